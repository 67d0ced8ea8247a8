package hugepage

import (
	"syscall"
	"unsafe"
)

const pageSize = 4096

// madvHugepage is MADV_HUGEPAGE, which package syscall does not name.
const madvHugepage = 14

// advise asks for huge pages over the whole pages of [p, p+size). An
// error (a kernel without transparent huge pages, or with them off) leaves
// the memory as it was, which is all the advice could change.
func advise(p unsafe.Pointer, size uintptr) {
	start := (uintptr(p) + pageSize - 1) &^ (pageSize - 1)
	end := (uintptr(p) + size) &^ (pageSize - 1)
	if end <= start {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugepage)
}
