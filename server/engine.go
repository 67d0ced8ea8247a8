package server

import (
	"context"

	"github.com/apiarydb/apiary/exec"
)

// EngineSessions adapts an exec.Engine to the SessionFactory the server
// drives: each connection's startup names the user and the hive (the
// PostgreSQL database).
func EngineSessions(eng *exec.Engine) SessionFactory {
	return engineFactory{eng}
}

type engineFactory struct{ eng *exec.Engine }

func (f engineFactory) NewSession(ctx context.Context, info StartupInfo) (Session, error) {
	return f.eng.StartSession(ctx, info.User, info.Database, info.Params)
}
