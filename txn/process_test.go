package txn
func runHelper(mode string) error { return nil }
