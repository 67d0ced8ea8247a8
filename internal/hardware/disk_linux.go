package hardware

import "syscall"

// freeBytes is the space unprivileged processes may still use on the file
// system holding dir (df's "Avail").
func freeBytes(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	block := int64(st.Frsize)
	if block == 0 {
		block = int64(st.Bsize)
	}
	return int64(st.Bavail) * block, nil
}
