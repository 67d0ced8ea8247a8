//go:build !unix

package cellcache

import "os"

// lockDir only creates the lock file where flock(2) is missing: sharing a
// directory between nodes is then the operator's mistake to avoid.
func lockDir(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
}
