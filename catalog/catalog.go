package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// LedgerPrefix is where the catalog's ledger lives in the store.
const LedgerPrefix = "catalog/"

// FramePrefix returns the storage prefix of a frame's ledger and cells.
func FramePrefix(frameID string) string { return "frames/" + frameID + "/" }

// The names a fresh node has, so that `psql -U apiary` connects with no
// set-up: PostgreSQL's user database by default is named after the user, and
// every database starts with a public schema.
const (
	DefaultHive = "apiary"
	DefaultBox  = "public"
)

// HiveEntry is a hive (database) as the catalog records it.
type HiveEntry struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// BoxEntry is a box (schema).
type BoxEntry struct {
	Hive      string    `json:"hive"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// FrameEntry is a frame (table): its name and the identity of its ledger.
// The schema lives in the frame's own ledger, so appends to a frame never
// touch the catalog.
type FrameEntry struct {
	Hive      string    `json:"hive"`
	Box       string    `json:"box"`
	Name      string    `json:"name"`
	FrameID   string    `json:"frame_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Prefix returns the frame's storage prefix.
func (f FrameEntry) Prefix() string { return FramePrefix(f.FrameID) }

// Catalog is the namespace of one store. It is safe for concurrent use; all
// changes go through transactions, so DDL made by one node is seen by every
// node sharing the store.
type Catalog struct {
	mgr    *txn.Manager
	ledger *txn.Ledger
}

// Open opens the catalog of the store behind mgr, creating the default hive
// and box on first use.
func Open(ctx context.Context, mgr *txn.Manager) (*Catalog, error) {
	c := &Catalog{mgr: mgr, ledger: mgr.Ledger(LedgerPrefix)}
	if err := c.bootstrap(ctx); err != nil {
		return nil, fmt.Errorf("catalog: bootstrap: %w", err)
	}
	return c, nil
}

// Ledger returns the catalog's ledger, for transactions that change it.
func (c *Catalog) Ledger() *txn.Ledger { return c.ledger }

// Manager returns the transaction manager the catalog was opened with.
func (c *Catalog) Manager() *txn.Manager { return c.mgr }

func (c *Catalog) bootstrap(ctx context.Context) error {
	// Several nodes may start on an empty store at once: each tries, and a
	// conflict means another node did the work.
	for attempt := 0; attempt < 5; attempt++ {
		ns, err := c.Latest(ctx)
		if err != nil {
			return err
		}
		if _, ok := ns.Hive(DefaultHive); ok {
			return nil
		}
		t := c.mgr.Begin("CREATE DATABASE")
		if _, err := t.Read(ctx, c.ledger); err != nil {
			t.Abort()
			return err
		}
		if err := c.CreateHive(ctx, t, DefaultHive, true); err != nil {
			t.Abort()
			return err
		}
		if _, err := t.Commit(ctx); err != nil {
			if errors.Is(err, txn.ErrConflict) {
				continue
			}
			return err
		}
		return nil
	}
	return fmt.Errorf("could not create the default hive after repeated conflicts")
}

// Namespace is a consistent view of every hive, box and frame name, as of one
// catalog version (plus, inside a transaction, the transaction's own changes).
type Namespace struct {
	Version int64
	hives   map[string]HiveEntry
	boxes   map[string]BoxEntry
	frames  map[string]FrameEntry
}

// Latest returns the namespace as of the newest committed catalog version.
func (c *Catalog) Latest(ctx context.Context) (*Namespace, error) {
	snap, err := c.ledger.Snapshot(ctx, -1)
	if err != nil {
		return nil, fmt.Errorf("catalog: read: %w", err)
	}
	return buildNamespace(snap.Version, snap.Entries, nil, nil)
}

// InTxn returns the namespace a transaction sees: its pinned snapshot of the
// catalog with its own uncommitted changes applied.
func (c *Catalog) InTxn(ctx context.Context, t *txn.Txn) (*Namespace, error) {
	snap, err := t.Read(ctx, c.ledger)
	if err != nil {
		return nil, fmt.Errorf("catalog: read: %w", err)
	}
	p := t.Pending(c.ledger)
	return buildNamespace(snap.Version, snap.Entries, p.Entries, p.DeletedEntries)
}

func buildNamespace(version int64, entries, set map[string]json.RawMessage, deleted map[string]bool) (*Namespace, error) {
	ns := &Namespace{Version: version, hives: map[string]HiveEntry{}, boxes: map[string]BoxEntry{}, frames: map[string]FrameEntry{}}
	add := func(key string, raw json.RawMessage) error {
		var err error
		switch {
		case strings.HasPrefix(key, "hive/"):
			var h HiveEntry
			err = json.Unmarshal(raw, &h)
			ns.hives[key] = h
		case strings.HasPrefix(key, "box/"):
			var b BoxEntry
			err = json.Unmarshal(raw, &b)
			ns.boxes[key] = b
		case strings.HasPrefix(key, "frame/"):
			var f FrameEntry
			err = json.Unmarshal(raw, &f)
			ns.frames[key] = f
		}
		if err != nil {
			return fmt.Errorf("catalog: decode entry %s: %w", key, err)
		}
		return nil
	}
	for k, v := range entries {
		if deleted[k] {
			continue
		}
		if _, overridden := set[k]; overridden {
			continue
		}
		if err := add(k, v); err != nil {
			return nil, err
		}
	}
	for k, v := range set {
		if err := add(k, v); err != nil {
			return nil, err
		}
	}
	return ns, nil
}

// Keys put each name component through path escaping so that a quoted
// identifier containing "/" cannot collide with another name.
func hiveKey(hive string) string { return "hive/" + url.PathEscape(hive) }
func boxKey(hive, box string) string {
	return "box/" + url.PathEscape(hive) + "/" + url.PathEscape(box)
}
func frameKey(hive, box, frame string) string {
	return framePrefix(hive, box) + url.PathEscape(frame)
}

// Key prefixes of a hive's boxes and frames and of a box's frames. Escaping
// keeps them exact: "a/b" as a name cannot pose as hive a, box b.
func hiveBoxesPrefix(hive string) string  { return "box/" + url.PathEscape(hive) + "/" }
func hiveFramesPrefix(hive string) string { return "frame/" + url.PathEscape(hive) + "/" }
func framePrefix(hive, box string) string { return hiveFramesPrefix(hive) + url.PathEscape(box) + "/" }

// Hive looks up a hive by name.
func (ns *Namespace) Hive(name string) (HiveEntry, bool) {
	h, ok := ns.hives[hiveKey(name)]
	return h, ok
}

// Box looks up a box.
func (ns *Namespace) Box(hive, box string) (BoxEntry, bool) {
	b, ok := ns.boxes[boxKey(hive, box)]
	return b, ok
}

// Frame looks up a frame.
func (ns *Namespace) Frame(hive, box, frame string) (FrameEntry, bool) {
	f, ok := ns.frames[frameKey(hive, box, frame)]
	return f, ok
}

// Hives lists every hive, sorted by name.
func (ns *Namespace) Hives() []HiveEntry {
	out := make([]HiveEntry, 0, len(ns.hives))
	for _, h := range ns.hives {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Boxes lists the boxes of a hive, sorted by name.
func (ns *Namespace) Boxes(hive string) []BoxEntry {
	var out []BoxEntry
	for _, b := range ns.boxes {
		if b.Hive == hive {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Frames lists the frames of a box, sorted by name; box "" lists the frames
// of every box of the hive, sorted by box then name.
func (ns *Namespace) Frames(hive, box string) []FrameEntry {
	var out []FrameEntry
	for _, f := range ns.frames {
		if f.Hive == hive && (box == "" || f.Box == box) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Box != out[j].Box {
			return out[i].Box < out[j].Box
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func setEntry(t *txn.Txn, l *txn.Ledger, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("catalog: encode %s: %w", key, err)
	}
	t.SetEntry(l, key, raw)
	return nil
}

// CreateHive adds a hive, with its public box, to transaction t.
func (c *Catalog) CreateHive(ctx context.Context, t *txn.Txn, name string, ifNotExists bool) error {
	ns, err := c.InTxn(ctx, t)
	if err != nil {
		return err
	}
	// Reading the key makes a concurrent CREATE of the same name a conflict.
	if _, err := t.ReadEntry(ctx, c.ledger, hiveKey(name)); err != nil {
		return err
	}
	if _, ok := ns.Hive(name); ok {
		if ifNotExists {
			return nil
		}
		return sqlerr.New(sqlerr.DuplicateDatabase, "database %q already exists", name)
	}
	now := time.Now().UTC()
	if err := setEntry(t, c.ledger, hiveKey(name), HiveEntry{Name: name, CreatedAt: now}); err != nil {
		return err
	}
	return setEntry(t, c.ledger, boxKey(name, DefaultBox), BoxEntry{Hive: name, Name: DefaultBox, CreatedAt: now})
}

// DropHive removes a hive with everything in it.
func (c *Catalog) DropHive(ctx context.Context, t *txn.Txn, name string, ifExists bool) error {
	ns, err := c.InTxn(ctx, t)
	if err != nil {
		return err
	}
	if _, err := t.ReadEntry(ctx, c.ledger, hiveKey(name)); err != nil {
		return err
	}
	if _, ok := ns.Hive(name); !ok {
		if ifExists {
			return nil
		}
		return sqlerr.New(sqlerr.UndefinedDatabase, "database \"%s\" does not exist", name)
	}
	// Depending on every box and frame name of the hive makes a concurrent
	// CREATE inside it conflict instead of leaving an orphaned name.
	for _, p := range []string{hiveBoxesPrefix(name), hiveFramesPrefix(name)} {
		if err := t.ReadPrefix(ctx, c.ledger, p); err != nil {
			return err
		}
	}
	for _, f := range ns.Frames(name, "") {
		t.DeleteEntry(c.ledger, frameKey(f.Hive, f.Box, f.Name))
	}
	for _, b := range ns.Boxes(name) {
		t.DeleteEntry(c.ledger, boxKey(b.Hive, b.Name))
	}
	t.DeleteEntry(c.ledger, hiveKey(name))
	return nil
}

// CreateBox adds a box to a hive.
func (c *Catalog) CreateBox(ctx context.Context, t *txn.Txn, hive, name string, ifNotExists bool) error {
	ns, err := c.InTxn(ctx, t)
	if err != nil {
		return err
	}
	// Reading the parent makes a concurrent DROP of the hive a conflict.
	if _, err := t.ReadEntry(ctx, c.ledger, hiveKey(hive)); err != nil {
		return err
	}
	if _, ok := ns.Hive(hive); !ok {
		return sqlerr.New(sqlerr.UndefinedDatabase, "database \"%s\" does not exist", hive)
	}
	if _, err := t.ReadEntry(ctx, c.ledger, boxKey(hive, name)); err != nil {
		return err
	}
	if _, ok := ns.Box(hive, name); ok {
		if ifNotExists {
			return nil
		}
		return sqlerr.New(sqlerr.DuplicateSchema, "schema %q already exists", name)
	}
	return setEntry(t, c.ledger, boxKey(hive, name), BoxEntry{Hive: hive, Name: name, CreatedAt: time.Now().UTC()})
}

// DropBox removes a box. Without cascade a box that still holds frames is
// refused, as PostgreSQL refuses to drop a non-empty schema.
func (c *Catalog) DropBox(ctx context.Context, t *txn.Txn, hive, name string, ifExists, cascade bool) error {
	ns, err := c.InTxn(ctx, t)
	if err != nil {
		return err
	}
	if _, err := t.ReadEntry(ctx, c.ledger, boxKey(hive, name)); err != nil {
		return err
	}
	if _, ok := ns.Box(hive, name); !ok {
		if ifExists {
			return nil
		}
		return sqlerr.New(sqlerr.UndefinedSchema, "schema \"%s\" does not exist", name)
	}
	if err := t.ReadPrefix(ctx, c.ledger, framePrefix(hive, name)); err != nil {
		return err
	}
	frames := ns.Frames(hive, name)
	if len(frames) > 0 && !cascade {
		return sqlerr.New(sqlerr.DependentObjectsStillExist, "cannot drop schema %s because other objects depend on it", name).
			WithDetail("table %s.%s depends on schema %s", name, frames[0].Name, name).
			WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
	}
	for _, f := range frames {
		t.DeleteEntry(c.ledger, frameKey(f.Hive, f.Box, f.Name))
	}
	t.DeleteEntry(c.ledger, boxKey(hive, name))
	return nil
}

// CreateFrame adds a frame: its name to the catalog and its metadata to a new
// frame ledger, in the same transaction, so a crash leaves neither or both.
// It returns the new entry; ok is false when the frame existed and
// ifNotExists was set.
func (c *Catalog) CreateFrame(ctx context.Context, t *txn.Txn, hive, box, name string, md txn.Metadata, ifNotExists bool) (entry FrameEntry, ok bool, err error) {
	ns, err := c.InTxn(ctx, t)
	if err != nil {
		return FrameEntry{}, false, err
	}
	if _, err := t.ReadEntry(ctx, c.ledger, boxKey(hive, box)); err != nil {
		return FrameEntry{}, false, err
	}
	if _, found := ns.Box(hive, box); !found {
		return FrameEntry{}, false, sqlerr.New(sqlerr.UndefinedSchema, "schema \"%s\" does not exist", box)
	}
	key := frameKey(hive, box, name)
	if _, err := t.ReadEntry(ctx, c.ledger, key); err != nil {
		return FrameEntry{}, false, err
	}
	if existing, found := ns.Frame(hive, box, name); found {
		if ifNotExists {
			return existing, false, nil
		}
		return FrameEntry{}, false, sqlerr.New(sqlerr.DuplicateTable, "relation %q already exists", name)
	}
	now := time.Now().UTC()
	entry = FrameEntry{Hive: hive, Box: box, Name: name, FrameID: uuid.NewString(), CreatedAt: now}
	md.FrameID = entry.FrameID
	md.CreatedAt = now
	if err := setEntry(t, c.ledger, key, entry); err != nil {
		return FrameEntry{}, false, err
	}
	t.SetMetadata(c.mgr.Ledger(entry.Prefix()), md)
	return entry, true, nil
}

// DropFrame removes a frame's name. Its cells and ledger stay in storage
// until garbage collection; no name points at them any more.
func (c *Catalog) DropFrame(ctx context.Context, t *txn.Txn, hive, box, name string, ifExists bool) error {
	ns, err := c.InTxn(ctx, t)
	if err != nil {
		return err
	}
	key := frameKey(hive, box, name)
	if _, err := t.ReadEntry(ctx, c.ledger, key); err != nil {
		return err
	}
	if _, ok := ns.Frame(hive, box, name); !ok {
		if ifExists {
			return nil
		}
		return sqlerr.New(sqlerr.UndefinedTable, "table \"%s\" does not exist", name)
	}
	t.DeleteEntry(c.ledger, key)
	return nil
}
