// Package copybench measures bulk loading: COPY ... FROM STDIN of TPC-H
// lineitem (regress/tpch's generator, CSV) into Apiary on the local file
// backend and on MinIO, next to PostgreSQL 15's COPY of the same file on the
// same machine, all through the wire protocol with pgconn's CopyFrom.
// Apiary runs as the real binary (built once per test run), so the figures
// are the ones a client sees.
//
//	go test -run '^$' -bench . -benchtime 1x ./regress/copybench               # SF 0.1
//	APIARY_COPY_SF=1 go test -run '^$' -bench . -benchtime 1x ./regress/copybench
//
// TestLineitemMatchesPostgres loads the same file into both and compares
// row counts and an order-independent checksum of COPY ... TO STDOUT.
// docs/performance.md records the figures.
package copybench
