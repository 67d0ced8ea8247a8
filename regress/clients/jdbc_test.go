package clients

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/apiarydb/apiary/internal/testenv"
)

// defaultPgJDBC is where Debian's libpostgresql-jdbc-java puts the driver;
// APIARY_PGJDBC_JAR overrides it.
const defaultPgJDBC = "/usr/share/java/postgresql.jar"

var javaBuild struct {
	once sync.Once
	dir  string // compiled classes
	err  error
}

// compileJDBCClient compiles testdata/jdbc/ClientTest.java once per test
// binary into a temporary directory, which TestMain removes.
func compileJDBCClient(t *testing.T, javac, jar string) string {
	t.Helper()
	javaBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "apiary-jdbc-")
		if err != nil {
			javaBuild.err = err
			return
		}
		src, _ := filepath.Abs(filepath.Join("testdata", "jdbc", "ClientTest.java"))
		out, err := exec.Command(javac, "-encoding", "UTF-8", "-cp", jar, "-d", dir, src).CombinedOutput()
		if err != nil {
			javaBuild.err = fmt.Errorf("javac: %v\n%s", err, out)
		}
		javaBuild.dir = dir
	})
	if javaBuild.err != nil {
		t.Fatal(javaBuild.err)
	}
	return javaBuild.dir
}

// TestPgJDBC runs testdata/jdbc/ClientTest.java on both servers, once with
// pgJDBC's defaults and once with prepareThreshold=1, which switches to
// named statements and binary results from a statement's second run on.
func TestPgJDBC(t *testing.T) {
	javac := requireProgram(t, "javac", "a JDK; .ci/run installs default-jdk-headless")
	java := requireProgram(t, "java", "a JDK; .ci/run installs default-jdk-headless")
	jar := os.Getenv("APIARY_PGJDBC_JAR")
	if jar == "" {
		jar = defaultPgJDBC
	}
	if _, err := os.Stat(jar); err != nil {
		testenv.Missing(t, "pgJDBC", fmt.Sprintf("%v; install libpostgresql-jdbc-java (.ci/run does) or set APIARY_PGJDBC_JAR", err))
	}
	classes := compileJDBCClient(t, javac, jar)
	eachServer(t, func(t *testing.T, tg target) {
		for _, mode := range []struct{ name, suffix, params string }{
			{"default", "d", ""},
			{"prepareThreshold=1", "b", "&prepareThreshold=1"},
		} {
			t.Run(mode.name, func(t *testing.T) {
				url := fmt.Sprintf("jdbc:postgresql://127.0.0.1:%d/%s?user=%s&sslmode=disable&ApplicationName=apiary-clients-test%s",
					tg.port, clientDB, clientUser, mode.params)
				cmd := clientCommand(t, tg, java, "-Duser.timezone=UTC", "-Dfile.encoding=UTF-8",
					"-cp", classes+string(os.PathListSeparator)+jar, "ClientTest", url, mode.suffix)
				runChecks(t, cmd)
			})
		}
	})
}
