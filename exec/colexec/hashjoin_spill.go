package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// A hash join whose build side outgrows the budget becomes a grace hash
// join: build rows are written to spillFanout partitions by a hash of the
// key, every prober (one per bee) writes its rows to partitions by the same
// hash, and the last prober to finish joins each partition pair in memory.
// Output order is not SQL's business, so nothing else changes.

func (jb *JoinBuild) canSpill(err error) bool {
	return jb.spill != nil && jb.depth < maxSpillDepth && sqlerr.CodeOf(err) == sqlerr.OutOfMemory
}

// partitioner splits the live rows of batches into the spill partitions
// of their keys at a depth. Each level uses other bits of the key hash
// (keyhash.go), so a partition that is spilled again splits instead of
// landing whole in one child; equal keys (NULLs included) land together on
// every side of a join.
type partitioner struct {
	sels           [][]int32 // the rows of each partition, after split
	hashes, hashed []uint64
}

func (pt *partitioner) split(keyCols []*vec.Vec, b *vec.Batch, depth int) {
	if pt.sels == nil {
		pt.sels = make([][]int32, spillFanout)
	}
	for p := range pt.sels {
		pt.sels[p] = pt.sels[p][:0]
	}
	pt.hashes, pt.hashed = hashKeys(keyCols, b, pt.hashes, pt.hashed)
	shift := 4 * uint(depth)
	for k, hv := range pt.hashes {
		p := (hv >> shift) % spillFanout
		pt.sels[p] = append(pt.sels[p], int32(b.Row(k)))
	}
}

// writePartitioned appends the live rows of b to writers by the partition
// of their key columns, creating writers as needed.
func writePartitioned(spill *Spill, writers []*spillWriter, b *vec.Batch, keys []int, types []vec.Type, pt *partitioner, depth int) error {
	keyCols := make([]*vec.Vec, len(keys))
	for i, k := range keys {
		keyCols[i] = b.Cols[k]
	}
	pt.split(keyCols, b, depth)
	for p, sel := range pt.sels {
		if len(sel) == 0 {
			continue
		}
		if writers[p] == nil {
			w, err := spill.newWriter(types)
			if err != nil {
				return err
			}
			writers[p] = w
		}
		nb := *b
		nb.Sel, nb.Len = sel, len(sel)
		if err := writers[p].write(&nb); err != nil {
			return err
		}
	}
	return nil
}

// startSpilling moves the rows held so far to partitions and frees them.
func (jb *JoinBuild) startSpilling() error {
	jb.spilled = true
	jb.buildParts = make([]*spillWriter, spillFanout)
	rows := jb.rows
	if rows != nil && rows.Len > 0 {
		if err := jb.spillBuildBatch(rows); err != nil {
			return err
		}
	}
	jb.releaseRows()
	return nil
}

// spillBuildBatch partitions one batch of build rows.
func (jb *JoinBuild) spillBuildBatch(b *vec.Batch) error {
	jb.n += b.Len
	for k := 0; k < b.Len && !jb.rightNull; k++ {
		for _, kc := range jb.rkeys {
			if b.Cols[kc].Nulls.IsNull(b.Row(k)) {
				jb.rightNull = true
			}
		}
	}
	return writePartitioned(jb.spill, jb.buildParts, b, jb.rkeys, jb.right.Types(), &jb.parts, jb.depth)
}

func (jb *JoinBuild) finishSpilledBuild() error {
	jb.buildRdrs = make([]*spillReader, spillFanout)
	for p, w := range jb.buildParts {
		if w == nil {
			continue
		}
		r, err := w.finish()
		if err != nil {
			return err
		}
		jb.buildRdrs[p] = r
	}
	jb.buildParts = nil
	jb.probeParts = make([][]*spillReader, spillFanout)
	return nil
}

func (jb *JoinBuild) closeSpill() {
	for _, w := range jb.buildParts {
		if w != nil {
			w.discard()
		}
	}
	jb.buildParts = nil
	for _, r := range jb.buildRdrs {
		if r != nil {
			r.Close()
		}
	}
	jb.buildRdrs = nil
	for _, rs := range jb.probeParts {
		for _, r := range rs {
			r.Close()
		}
	}
	jb.probeParts = nil
}

// joinSpillState is one prober's progress through a spilled join.
type joinSpillState struct {
	writers     []*spillWriter
	partitioned bool
	finisher    bool
	part        int
	sub         *HashJoin
}

// spilledNext partitions this prober's input; the last prober then joins
// the partitions one by one and returns their output.
func (j *HashJoin) spilledNext(ctx context.Context) (*vec.Batch, error) {
	sp, jb := j.sp, j.jb
	if !sp.partitioned {
		sp.writers = make([]*spillWriter, spillFanout)
		var pt partitioner
		err := Drain(ctx, j.left, func(b *vec.Batch) error {
			return writePartitioned(jb.spill, sp.writers, b, j.lkeys, j.leftTypes, &pt, jb.depth)
		})
		if err != nil {
			return nil, err
		}
		j.left.Close()
		j.leftClosed = true
		readers := make([]*spillReader, spillFanout)
		for p, w := range sp.writers {
			if w == nil {
				continue
			}
			r, err := w.finish()
			if err != nil {
				return nil, err
			}
			readers[p] = r
		}
		sp.writers = nil
		sp.partitioned = true
		jb.mu.Lock()
		for p, r := range readers {
			if r != nil {
				jb.probeParts[p] = append(jb.probeParts[p], r)
			}
		}
		jb.probers--
		sp.finisher = jb.probers == 0
		jb.mu.Unlock()
	}
	if !sp.finisher {
		return nil, nil
	}
	for sp.part < spillFanout {
		if sp.sub == nil {
			sub, err := j.partitionJoin(sp.part)
			if err != nil {
				return nil, err
			}
			if sub == nil {
				sp.part++
				continue
			}
			sp.sub = sub
		}
		b, err := sp.sub.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b != nil && b.Len > 0 {
			return b, nil
		}
		sp.sub.Close()
		sp.sub = nil
		sp.part++
	}
	return nil, nil
}

// partitionJoin builds the in-memory join of partition p, or returns nil
// when the partition can produce nothing.
func (j *HashJoin) partitionJoin(p int) (*HashJoin, error) {
	jb := j.jb
	probes := jb.probeParts[p]
	jb.probeParts[p] = nil
	build := jb.buildRdrs[p]
	jb.buildRdrs[p] = nil
	if len(probes) == 0 && (build == nil || j.kind != FullJoin) {
		if build != nil {
			build.Close()
		}
		return nil, nil
	}
	var left Operator
	switch len(probes) {
	case 0:
		left = NewValues(j.leftTypes, nil)
	case 1:
		left = probes[0]
	default:
		ops := make([]Operator, len(probes))
		for i, r := range probes {
			ops[i] = r
		}
		left = NewUnionAll(ops)
	}
	var right Operator = NewValues(jb.right.Types(), nil)
	if build != nil {
		right = build
	}
	sub := NewJoinBuild(right, jb.rkeys, jb.mem)
	sub.NullsEqual = jb.NullsEqual
	// A partition still too big spills again, by the next hash bits.
	sub.spill, sub.depth = jb.spill, jb.depth+1
	// NOT IN looks at the whole build side: a NULL anywhere, or any row.
	sub.rightNull = jb.rightNull
	sub.nonEmpty = jb.n > 0
	hj := NewHashJoinShared(j.kind, left, sub, j.lkeys, j.residual, j.env)
	hj.ownsBuild = true
	return hj, nil
}

func (j *HashJoin) closeSpill() {
	sp := j.sp
	if sp == nil {
		return
	}
	if sp.sub != nil {
		sp.sub.Close()
		sp.sub = nil
	}
	for _, w := range sp.writers {
		if w != nil {
			w.discard()
		}
	}
	sp.writers = nil
	if !sp.partitioned {
		sp.partitioned = true
		j.jb.mu.Lock()
		j.jb.probers--
		j.jb.mu.Unlock()
	}
}
