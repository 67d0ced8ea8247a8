package colexec

import "github.com/apiarydb/apiary/exec/vec"

// appendNulls appends n NULLs.
func appendNulls(dst *vec.Vec, n int) {
	for ; n > 0; n-- {
		dst.AppendNull()
	}
}
