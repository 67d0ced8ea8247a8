package objstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/objstoretest"
)

func TestS3URLAndCredentials(t *testing.T) {
	ctx := context.Background()
	base := mustParse(t, objstoretest.SharedMinIO(t))
	user := base.User.Username()
	pass, _ := base.User.Password()

	s := objstoretest.OpenURL(t, base.String())
	if strings.Contains(s.URL(), pass) || strings.Contains(s.URL(), user) {
		t.Errorf("URL() leaks credentials: %s", s.URL())
	}

	// Credentials from the environment when the URL has none.
	noCreds := *base
	noCreds.User = nil
	t.Setenv("AWS_ACCESS_KEY_ID", user)
	t.Setenv("AWS_SECRET_ACCESS_KEY", pass)
	t.Setenv("AWS_SESSION_TOKEN", "")
	envStore := objstoretest.OpenURL(t, noCreds.String())
	if err := envStore.Put(ctx, "env/creds", []byte("ok")); err != nil {
		t.Fatalf("Put with environment credentials: %v", err)
	}
	if got, err := s.Get(ctx, "env/creds"); err != nil || string(got) != "ok" {
		t.Errorf("Get = %q, %v", got, err)
	}

	// Wrong credentials must fail at Open, not read as "no such object".
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-"+pass)
	if st, err := objstore.Open(ctx, noCreds.String()); err == nil {
		st.Close()
		t.Error("Open with a wrong secret succeeded")
	} else if errors.Is(err, objstore.ErrNotExist) {
		t.Errorf("wrong secret reported as ErrNotExist: %v", err)
	}

	// The prefix is invisible to the caller and isolates stores.
	pre := *base
	pre.Path = "/tenant/one"
	ps := objstoretest.OpenURL(t, pre.String())
	if err := ps.Put(ctx, "k", []byte("in prefix")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "tenant/one/k"); err != nil || string(got) != "in prefix" {
		t.Errorf("prefixed object at bucket root: %q, %v", got, err)
	}
	infos, err := ps.List(ctx, "")
	if err != nil || len(infos) != 1 || infos[0].Key != "k" {
		t.Errorf("List in prefix = %+v, %v; want just k", infos, err)
	}

	// A missing bucket is an error at Open unless create_bucket=true.
	missing := *base
	missing.Host = "apiary-missing-" + fmt.Sprint(time.Now().UnixNano())
	if st, err := objstore.Open(ctx, missing.String()); err == nil {
		st.Close()
		t.Error("Open of a missing bucket succeeded")
	}
	q := missing.Query()
	q.Set("create_bucket", "true")
	missing.RawQuery = q.Encode()
	created := objstoretest.OpenURL(t, missing.String())
	if err := created.PutIfAbsent(ctx, "x", nil); err != nil {
		t.Errorf("PutIfAbsent in created bucket: %v", err)
	}
	objstoretest.OpenURL(t, missing.String()) // create_bucket on an existing bucket is fine

	for _, bad := range []string{
		"s3:///nobucket",
		"s3://b?secure=maybe&endpoint=127.0.0.1:1",
		"s3://b/a//b?endpoint=127.0.0.1:1",
	} {
		if st, err := objstore.Open(ctx, bad); err == nil {
			st.Close()
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

// fakeS3 answers every object request with a fixed S3 error, to check how
// the backend maps statuses and codes that a healthy MinIO rarely returns.
func fakeS3(t *testing.T, status int, code string) (storageURL string, requests *atomic.Int64, srv *httptest.Server) {
	requests = &atomic.Int64{}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bucket" || r.URL.Path == "/bucket/" {
			w.WriteHeader(http.StatusOK) // HEAD bucket at Open
			return
		}
		requests.Add(1)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message><BucketName>bucket</BucketName><RequestId>1</RequestId></Error>`, code)
		}
	}))
	t.Cleanup(srv.Close)
	u := url.URL{Scheme: "s3", User: url.UserPassword("ak", "sk"), Host: "bucket",
		RawQuery: url.Values{"endpoint": {strings.TrimPrefix(srv.URL, "http://")}, "secure": {"false"}, "region": {"us-east-1"}}.Encode()}
	return u.String(), requests, srv
}

func TestS3ErrorMapping(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cases := []struct {
		status int
		code   string
		want   error // nil: an error that is none of the sentinels
	}{
		{http.StatusPreconditionFailed, "PreconditionFailed", objstore.ErrExist},
		{http.StatusNotModified, "", objstore.ErrExist},
		{http.StatusConflict, "ConditionalRequestConflict", objstore.ErrTransient},
		{http.StatusForbidden, "AccessDenied", nil},
		{http.StatusNotFound, "NoSuchBucket", nil},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status, c.code), func(t *testing.T) {
			storageURL, requests, _ := fakeS3(t, c.status, c.code)
			s := objstoretest.OpenURL(t, storageURL)
			err := s.PutIfAbsent(ctx, "k", []byte("x"))
			for _, sentinel := range []error{objstore.ErrExist, objstore.ErrNotExist, objstore.ErrTransient} {
				if errors.Is(err, sentinel) != (sentinel == c.want) {
					t.Errorf("PutIfAbsent error = %v; errors.Is(%v) = %v", err, sentinel, !(sentinel == c.want))
				}
			}
			if err == nil {
				t.Fatal("PutIfAbsent succeeded")
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("%d requests for one PutIfAbsent; a %d must not be retried blindly", n, c.status)
			}
		})
	}
	t.Run("NoSuchKey", func(t *testing.T) {
		storageURL, _, _ := fakeS3(t, http.StatusNotFound, "NoSuchKey")
		s := objstoretest.OpenURL(t, storageURL)
		if _, err := s.Get(ctx, "k"); !errors.Is(err, objstore.ErrNotExist) {
			t.Errorf("Get error = %v, want ErrNotExist", err)
		}
		if err := s.Delete(ctx, "k"); err != nil {
			t.Errorf("Delete of a missing key: %v", err)
		}
	})
	t.Run("NoSuchBucketIsNotMissingObject", func(t *testing.T) {
		storageURL, _, _ := fakeS3(t, http.StatusNotFound, "NoSuchBucket")
		s := objstoretest.OpenURL(t, storageURL)
		if _, err := s.Get(ctx, "k"); err == nil || errors.Is(err, objstore.ErrNotExist) {
			t.Errorf("Get in a vanished bucket: error = %v, want a non-ErrNotExist error", err)
		}
	})
}

// TestS3Unreachable checks that a dead endpoint yields ErrTransient (or the
// context's error once the deadline passes), never a definite answer such as
// ErrExist or ErrNotExist.
func TestS3Unreachable(t *testing.T) {
	storageURL, _, srv := fakeS3(t, http.StatusOK, "")
	s := objstoretest.OpenURL(t, storageURL)
	srv.Close() // the endpoint now refuses connections
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := s.PutIfAbsent(ctx, "k", []byte("x"))
	if err == nil || errors.Is(err, objstore.ErrExist) || errors.Is(err, objstore.ErrNotExist) ||
		!(errors.Is(err, objstore.ErrTransient) || errors.Is(err, context.DeadlineExceeded)) {
		t.Errorf("PutIfAbsent to a dead endpoint: error = %v, want ErrTransient or DeadlineExceeded", err)
	}
}
