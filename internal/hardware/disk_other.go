//go:build !linux

package hardware

import "errors"

// freeBytes is implemented for Linux only, the platform Apiary releases
// for; elsewhere the free disk is reported as unknown.
func freeBytes(string) (int64, error) {
	return 0, errors.New("not measured on this platform")
}
