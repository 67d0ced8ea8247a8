package objstoretest

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal has the kernel kill MinIO when the test binary dies,
// so a crashed or interrupted `go test` leaves no server behind.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
