package hugepage

import "unsafe"

// MinBytes is the smallest array Make advises: below a few huge pages the
// saving is small and the advice costs a system call.
const MinBytes = 4 << 20

// Make returns make([]T, n), advised for huge pages when it is at least
// MinBytes long. The advice changes only how the kernel maps the memory,
// never its contents.
func Make[T any](n int) []T {
	s := make([]T, n)
	if n > 0 {
		var zero T
		if size := uintptr(n) * unsafe.Sizeof(zero); size >= MinBytes {
			advise(unsafe.Pointer(unsafe.SliceData(s)), size)
		}
	}
	return s
}
