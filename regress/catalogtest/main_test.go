package catalogtest

import (
	"os"
	"testing"

	"github.com/apiarydb/apiary/regress/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
