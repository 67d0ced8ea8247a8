package txn

import (
	"fmt"
	"strings"
)

// conflictReason applies the conflict rules to our pending commit and one
// committed winner in the same ledger; it returns "" when our commit can be
// rebased over the winner unchanged, else the rule that fired. The rules
// (docs/storage.md, "Conflicts") follow Delta's WriteSerializable level:
//
//   - a winner that changed the metadata conflicts with everything;
//   - a removal conflicts with a winner removing the same cell (this also
//     covers compaction: rewrites conflict only through it);
//   - an overwrite (whole ledger or partition scope) conflicts with a winner
//     adding or removing cells in its scope;
//   - entries: keys we set, deleted or read, and keys under a prefix we
//     read with ReadPrefix, conflict with a winner setting or deleting them;
//   - blind appends conflict with nothing else.
//
// It is a pure function of its inputs.
func conflictReason(lt *ledgerTxn, ours, w *commit) string {
	if w.Metadata != nil {
		return "winner changed the metadata"
	}
	if len(ours.Removes) > 0 && len(w.Removes) > 0 {
		theirs := make(map[string]bool, len(w.Removes))
		for _, r := range w.Removes {
			theirs[r.Path] = true
		}
		for _, r := range ours.Removes {
			if theirs[r.Path] {
				return fmt.Sprintf("both removed cell %s", r.Path)
			}
		}
	}
	if lt.overwrite && (len(w.Adds) > 0 || len(w.Removes) > 0) {
		return "winner changed cells of a ledger this transaction overwrites"
	}
	for _, scope := range lt.partitions {
		for _, a := range w.Adds {
			if partitionMatches(a.Partition, scope) {
				return fmt.Sprintf("winner added cell %s in an overwritten partition", a.Path)
			}
		}
		for _, r := range w.Removes {
			// A remove carries no partition values: find them in what we
			// read, and assume the worst for a cell we never saw.
			var cell AddCell
			var known bool
			if lt.snap != nil {
				cell, known = lt.snap.Cell(r.Path)
			}
			if !known || partitionMatches(cell.Partition, scope) {
				return fmt.Sprintf("winner removed cell %s in an overwritten partition", r.Path)
			}
		}
	}
	touched := func(key string) bool {
		_, set := lt.sets[key]
		if set || lt.deletes[key] || lt.readKeys[key] {
			return true
		}
		for _, p := range lt.readPrefixes {
			if strings.HasPrefix(key, p) {
				return true
			}
		}
		return false
	}
	for _, e := range w.Sets {
		if touched(e.Key) {
			return fmt.Sprintf("winner set entry %q", e.Key)
		}
	}
	for _, d := range w.Deletes {
		if touched(d.Key) {
			return fmt.Sprintf("winner deleted entry %q", d.Key)
		}
	}
	return ""
}
