// Package objstore is Apiary's only way to reach storage: a small Store
// interface over a flat key space, with backends for the local filesystem
// (file://), S3-compatible services through minio-go (s3://) and process
// memory (mem://, for tests).
//
// Everything Apiary keeps — Parquet cells, ledger commits, checkpoints,
// heartbeats, swarm tasks and results — is an object in a Store, and nodes
// coordinate through nothing else. The one primitive that makes that safe is
// PutIfAbsent: create-if-absent, atomic across processes and machines (link(2)
// locally, If-None-Match: * on S3).
//
// Stores are safe for concurrent use. List returns keys in byte order.
// Errors wrap the sentinels ErrNotExist, ErrExist and ErrTransient; callers
// test them with errors.Is.
//
// Usage:
//
//	st, err := objstore.Open(ctx, "file:///var/lib/apiary")
//	...
//	err = st.PutIfAbsent(ctx, "frames/x/_ledger/00000000000000000001.json", body)
//	if errors.Is(err, objstore.ErrExist) { /* another writer won */ }
//
// Imports: the standard library and minio-go only; no other Apiary package.
package objstore
