package clients

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apiarydb/apiary/internal/testenv"
)

// TestNodePostgres runs node/client.js (node-postgres and pg-cursor) on
// both servers. Its packages come from node/package-lock.json through
// `npm ci`, which .ci/run does; the test never installs them itself.
func TestNodePostgres(t *testing.T) {
	node := requireProgram(t, "node", "the nodejs package (.ci/run installs it)")
	dir, err := filepath.Abs("node")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"pg", "pg-cursor"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			testenv.Missing(t, "node-postgres", "regress/clients/node/node_modules lacks "+pkg+"; run `npm ci` there (.ci/run does)")
		}
	}
	eachServer(t, func(t *testing.T, tg target) {
		cmd := clientCommand(t, tg, node, "client.js")
		cmd.Dir = dir
		runChecks(t, cmd)
	})
}
