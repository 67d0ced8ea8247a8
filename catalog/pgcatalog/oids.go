package pgcatalog

import (
	"hash/fnv"
	"sort"
	"strconv"
)

// OIDs PostgreSQL fixes for built-in objects, which clients hard-code.
const (
	OIDPgCatalog          = 11
	OIDPublic             = 2200
	OIDBootstrapSuperuser = 10
	OIDDatabaseOwner      = 6171
	OIDPgDefault          = 1663
	OIDPgGlobal           = 1664
	OIDHeap               = 2
	OIDBtree              = 403
	OIDDefaultCollation   = 100
	OIDLanguageInternal   = 12
	OIDEncodingUTF8       = 6

	OIDPgClass      = 1259
	OIDPgType       = 1247
	OIDPgAttribute  = 1249
	OIDPgProc       = 1255
	OIDPgNamespace  = 2615
	OIDPgDatabase   = 1262
	OIDPgAuthid     = 1260
	OIDPgConstraint = 2606
	OIDPgTablespace = 1213
)

// FirstUserOID is the smallest OID given to a user object (hive, box, frame,
// role). PostgreSQL's built-in objects stay below 16384 and its own user
// objects start there; starting Apiary's at 65536 keeps the two ranges
// apart, so no hashed OID can ever equal a built-in one.
const FirstUserOID = 65536

// Object kinds, part of the hashed key so that a box and a frame of the
// same name get unrelated OIDs.
const (
	kindDatabase  = 'd'
	kindNamespace = 'n'
	kindRelation  = 'r'
	kindRole      = 'a'
	// A primary key's index and constraint are keyed by their frame.
	kindIndex      = 'i'
	kindConstraint = 'c'
)

// hashOID is the OID of a user object: FNV-1a (32 bits) over the kind, the
// three parts of the object's qualified name (hive, box, frame; "" for the
// parts a hive, box or role lacks) each preceded by a NUL byte (a NUL cannot
// occur in an identifier, so "a.b"+"c" and "a"+"b.c" differ) and, after a
// collision, the attempt number; folded into [FirstUserOID, 2^32). It
// depends on nothing but the name, so every node computes the same OID and
// it survives restarts.
func hashOID(kind byte, attempt int, parts ...string) uint32 {
	h := fnv.New32a()
	h.Write([]byte{kind})
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	if attempt > 0 {
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(attempt)))
	}
	return FirstUserOID + h.Sum32()%(1<<32-FirstUserOID)
}

// oidKey is an object to number: its kind and qualified name.
type oidKey struct {
	kind  byte
	parts [3]string
}

// allocator hands out hashed OIDs, resolving collisions deterministically:
// objects are numbered in the order of their keys, and one whose hash is
// taken re-hashes with attempt 1, 2, ... until it finds a free OID. Every
// node numbering the same set of objects gets the same answer. Two objects
// collide with probability about n²/2³³ for n objects.
type allocator struct {
	used map[uint32]bool
	oids map[oidKey]uint32
}

func newAllocator() *allocator {
	return &allocator{used: map[uint32]bool{}, oids: map[oidKey]uint32{}}
}

// assign numbers keys (in sorted order) that have no OID yet.
func (a *allocator) assign(keys []oidKey) {
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].kind != keys[j].kind {
			return keys[i].kind < keys[j].kind
		}
		for p := range keys[i].parts {
			if keys[i].parts[p] != keys[j].parts[p] {
				return keys[i].parts[p] < keys[j].parts[p]
			}
		}
		return false
	})
	for _, k := range keys {
		if _, ok := a.oids[k]; ok {
			continue
		}
		for attempt := 0; ; attempt++ {
			oid := hashOID(k.kind, attempt, k.parts[:]...)
			if !a.used[oid] {
				a.used[oid] = true
				a.oids[k] = oid
				break
			}
		}
	}
}

// reserve marks fixed OIDs as taken and records them for their keys.
func (a *allocator) reserve(k oidKey, oid uint32) {
	a.used[oid] = true
	a.oids[k] = oid
}
