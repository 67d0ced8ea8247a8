// Package hugepage allocates large arrays that the kernel may back with
// transparent huge pages.
//
// A hash table or a column chunk of tens of megabytes is touched page by
// page right after it is allocated, and on Linux each first touch of a
// 4 KiB page is a page fault: on small and virtualised machines a few
// microseconds each, which a query building a 32 MB table paid 8,192 times
// (measured: faults were most of the system time of TPC-H Q18's first
// run). The Go runtime does not ask for huge pages itself, and distributions
// that set transparent huge pages to "madvise" give them only to memory
// that asks, so Make asks for its arrays: one fault then maps 2 MiB.
//
// Elsewhere, or where the kernel refuses, Make is plain make.
//
// Imports: the standard library only.
package hugepage
