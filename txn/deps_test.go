package txn

import (
	"go/parser"
	"go/token"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestDependencies pins txn's layering: of Apiary's packages it may import
// only objstore.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/apiarydb/apiary/txn").CombinedOutput()
	if err != nil {
		t.Skipf("go list unavailable: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/apiarydb/apiary/") && pkg != "github.com/apiarydb/apiary/objstore" && pkg != "github.com/apiarydb/apiary/txn" {
			t.Errorf("txn depends on %s", pkg)
		}
	}
}

// TestReplayIsPure: replay.go must take no context and touch no store, so
// that it stays testable with in-memory fixtures.
func TestReplayIsPure(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "replay.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if path == "context" || strings.HasPrefix(path, "github.com/apiarydb/apiary/") {
			t.Errorf("replay.go imports %s", path)
		}
	}
}
