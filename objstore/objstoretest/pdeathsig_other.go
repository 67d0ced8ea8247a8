//go:build !linux

package objstoretest

import "os/exec"

// setParentDeathSignal has no portable equivalent outside Linux; there the
// server is stopped only by cleanup.
func setParentDeathSignal(*exec.Cmd) {}
