package objstoretest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/apiarydb/apiary/internal/testenv"
)

// minioReadyTimeout bounds how long a starting MinIO may take. A cold start
// on a loaded 2-core machine takes a few seconds.
const minioReadyTimeout = 30 * time.Second

// minioServer is one running MinIO process.
type minioServer struct {
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the process has been reaped
	endpoint string        // 127.0.0.1:port
	user     string
	password string
	dataDir  string
	output   *lockedBuffer
}

// StartMinIO starts a private MinIO server for the test and returns an
// s3:// storage URL for a fresh bucket on it, credentials in the user info.
// The server listens on 127.0.0.1 only and is killed at t.Cleanup. Without a
// MinIO binary the test fails under `make test` and skips otherwise.
func StartMinIO(t testing.TB) string {
	t.Helper()
	bin := testenv.MinIOBinary(t)
	srv, err := startMinIO(bin, t.TempDir())
	if err != nil {
		testenv.Missing(t, "MinIO", err.Error())
	}
	t.Cleanup(srv.stop)
	storageURL, err := srv.newBucket()
	if err != nil {
		t.Fatalf("minio: %v", err)
	}
	return storageURL
}

var shared struct {
	mu  sync.Mutex
	srv *minioServer
	err error
}

// SharedMinIO is StartMinIO with one server per test binary: the first call
// starts it, every call gets a fresh bucket. Call StopSharedMinIO from
// TestMain after m.Run; if that is forgotten, the server dies with the test
// binary on Linux anyway (parent-death signal).
func SharedMinIO(t testing.TB) string {
	t.Helper()
	bin := testenv.MinIOBinary(t)
	shared.mu.Lock()
	if shared.srv == nil && shared.err == nil {
		dir, err := os.MkdirTemp("", "apiary-minio-")
		if err == nil {
			shared.srv, err = startMinIO(bin, dir)
			if err != nil {
				os.RemoveAll(dir)
			}
		}
		shared.err = err
	}
	srv, err := shared.srv, shared.err
	shared.mu.Unlock()
	if err != nil {
		testenv.Missing(t, "MinIO", err.Error())
	}
	storageURL, err := srv.newBucket()
	if err != nil {
		t.Fatalf("minio: %v", err)
	}
	return storageURL
}

// StopSharedMinIO stops the server SharedMinIO started, if any, and removes
// its data.
func StopSharedMinIO() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.srv != nil {
		shared.srv.stop()
		os.RemoveAll(shared.srv.dataDir)
		shared.srv = nil
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// freePort asks the kernel for an unused port on 127.0.0.1. Another process
// can take it before MinIO binds it; startMinIO retries when that happens.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startMinIO(bin, dataDir string) (*minioServer, error) {
	var lastErr error
	for range 3 {
		srv, err := tryStartMinIO(bin, dataDir)
		if err == nil {
			return srv, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func tryStartMinIO(bin, dataDir string) (*minioServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	consolePort, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	srv := &minioServer{
		endpoint: fmt.Sprintf("127.0.0.1:%d", port),
		user:     "apiary" + randomHex(6),
		password: randomHex(16),
		dataDir:  dataDir,
		exited:   make(chan struct{}),
		output:   &lockedBuffer{},
	}
	certs, err := os.MkdirTemp("", "apiary-minio-certs-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "server",
		"--address", srv.endpoint,
		"--console-address", fmt.Sprintf("127.0.0.1:%d", consolePort),
		"--certs-dir", certs,
		"--quiet",
		dataDir)
	env := []string{}
	for _, kv := range os.Environ() {
		// An inherited MINIO_* setting (a developer's own server config) must
		// not change the test server.
		if !strings.HasPrefix(kv, "MINIO_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"MINIO_ROOT_USER="+srv.user,
		"MINIO_ROOT_PASSWORD="+srv.password,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CALLHOME_ENABLE=off",
	)
	cmd.Stdout = srv.output
	cmd.Stderr = srv.output
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(certs)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	srv.cmd = cmd
	go func() {
		cmd.Wait()
		os.RemoveAll(certs)
		close(srv.exited)
	}()
	if err := srv.waitReady(); err != nil {
		srv.stop()
		return nil, err
	}
	return srv, nil
}

// waitReady polls the liveness endpoint until it answers 200, the process
// exits, or the deadline passes.
func (srv *minioServer) waitReady() error {
	deadline := time.Now().Add(minioReadyTimeout)
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get("http://" + srv.endpoint + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-srv.exited:
			return fmt.Errorf("minio exited during startup (%v): %s", srv.cmd.ProcessState, srv.output.String())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("minio not ready on %s after %v: %s", srv.endpoint, minioReadyTimeout, srv.output.String())
		}
	}
}

func (srv *minioServer) stop() {
	if srv.cmd.Process != nil {
		srv.cmd.Process.Kill()
	}
	<-srv.exited
}

// newBucket creates a uniquely named bucket and returns its storage URL.
func (srv *minioServer) newBucket() (string, error) {
	client, err := minio.New(srv.endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(srv.user, srv.password, ""),
		Secure: false,
		Region: "us-east-1",
	})
	if err != nil {
		return "", err
	}
	bucket := "apiary-" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), minioReadyTimeout)
	defer cancel()
	if err := client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		return "", fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	u := url.URL{
		Scheme:   "s3",
		User:     url.UserPassword(srv.user, srv.password),
		Host:     bucket,
		RawQuery: url.Values{"endpoint": {srv.endpoint}, "secure": {"false"}, "region": {"us-east-1"}}.Encode(),
	}
	return u.String(), nil
}

// lockedBuffer collects the server's output for error messages; the process
// writes it from os/exec's copying goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil // enough to diagnose; don't grow without bound
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}
