package exec

import (
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apiarydb/apiary/sqlerr"
)

// TimeZone values, read as PostgreSQL reads them, in this order:
//
//   - a number: hours east of UTC ("5.5", "-7"), shown as PostgreSQL shows
//     it ("<+05:30>-05:30");
//   - a zone name of the IANA database, in any case ("europe/lisbon" is
//     shown as "Europe/Lisbon"), UTC and GMT included;
//   - a POSIX-style zone without daylight-saving rules: an optional name
//     ("UTC", "<+03>") and an offset in hours WEST of UTC, as POSIX counts:
//     "UTC+3" and "+03:00" are three hours behind UTC.
//
// SET TIME ZONE INTERVAL '...' and SET TIME ZONE LOCAL are read by SET
// (show.go). POSIX zones with daylight-saving rules ("CET-1CEST,M3.5.0,...")
// are 0A000: their IANA names do the same job.

var zoneHoursRe = regexp.MustCompile(`^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$`)

// maxZoneOffset bounds an offset as PostgreSQL does (a week).
const maxZoneOffset = 7 * 24 * 3600

func checkTimeZone(v, _ string) (string, error) {
	if zoneHoursRe.MatchString(v) {
		hours, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
		secs := int(math.Round(hours * 3600))
		if secs <= -maxZoneOffset || secs >= maxZoneOffset {
			return "", errInvalidValue("TimeZone", v).WithDetail("UTC timezone offset is out of range.")
		}
		return zoneForOffset(secs), nil
	}
	if name, ok := ianaZoneName(v); ok {
		return name, nil
	}
	if _, rest, ok := parsePOSIXZone(v); ok {
		named := v[0] == '<' || v[0] >= 'A' && v[0] <= 'Z' || v[0] >= 'a' && v[0] <= 'z'
		if rest != "" && !named {
			return "", errInvalidValue("TimeZone", v)
		}
		if rest != "" {
			return "", sqlerr.New(sqlerr.FeatureNotSupported, "time zone \"%s\" is not supported", v).
				WithDetail("Apiary reads POSIX time zones without daylight-saving rules only.").
				WithHint("Use the zone's IANA name, such as Europe/Berlin.")
		}
		return v, nil
	}
	return "", errInvalidValue("TimeZone", v)
}

// zoneForOffset names a fixed zone secondsEast of UTC as PostgreSQL does:
// a POSIX zone whose name is the offset, "<+05:30>-05:30".
func zoneForOffset(secondsEast int) string {
	sign, posix := "+", "-"
	abs := secondsEast
	if secondsEast < 0 {
		sign, posix, abs = "-", "+", -secondsEast
	}
	off := twoDigits(abs / 3600)
	if m, s := abs/60%60, abs%60; m != 0 || s != 0 {
		off += ":" + twoDigits(m)
		if s != 0 {
			off += ":" + twoDigits(s)
		}
	}
	return "<" + sign + off + ">" + posix + off
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// parsePOSIXZone reads "[name]offset" and returns the offset in seconds
// east of UTC and what follows it (daylight-saving rules); ok is false when
// s does not start that way.
func parsePOSIXZone(s string) (secondsEast int, rest string, ok bool) {
	i := 0
	if strings.HasPrefix(s, "<") {
		j := strings.IndexByte(s, '>')
		if j < 0 {
			return 0, "", false
		}
		i = j + 1
	} else {
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
			i++
		}
	}
	sign := 1
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		if s[i] == '-' {
			sign = -1
		}
		i++
	}
	var parts [3]int
	n := 0
	for n < 3 {
		j := i
		for j < len(s) && j-i < 3 && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return 0, "", false
		}
		parts[n], _ = strconv.Atoi(s[i:j])
		n++
		i = j
		if i < len(s) && s[i] == ':' && n < 3 {
			i++
			continue
		}
		break
	}
	if parts[0] > 167 || parts[1] > 59 || parts[2] > 59 {
		return 0, "", false
	}
	west := sign * (parts[0]*3600 + parts[1]*60 + parts[2])
	return -west, s[i:], true
}

// ianaZoneName returns the IANA database's spelling of a zone name given
// in any case.
func ianaZoneName(v string) (string, bool) {
	switch strings.ToUpper(v) {
	case "UTC", "GMT":
		return strings.ToUpper(v), true
	case "", "LOCAL":
		return "", false
	}
	if strings.Contains(v, "..") || strings.HasPrefix(v, "/") {
		return "", false
	}
	if _, err := loadIANAZone(v); err == nil {
		return v, true
	}
	if name, ok := zoneNamesFolded()[strings.ToLower(v)]; ok {
		if _, err := loadIANAZone(name); err == nil {
			return name, true
		}
	}
	return "", false
}

// zoneCache keeps loaded zones: drivers set TimeZone on every connection,
// and loading one reads the zone database.
var zoneCache sync.Map // name → *time.Location

func loadIANAZone(name string) (*time.Location, error) {
	if l, ok := zoneCache.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zoneCache.Store(name, l)
	return l, nil
}

// loadTimeZone returns the location of a canonical TimeZone value.
func loadTimeZone(v string) (*time.Location, error) {
	switch v {
	case "UTC", "":
		return time.UTC, nil
	}
	if v != "Local" {
		if l, err := loadIANAZone(v); err == nil {
			return l, nil
		}
	}
	east, rest, ok := parsePOSIXZone(v)
	if !ok || rest != "" {
		return nil, errInvalidValue("TimeZone", v)
	}
	return time.FixedZone(v, east), nil
}

var (
	zoneNamesOnce sync.Once
	zoneNames     map[string]string
)

// zoneNamesFolded maps the lower-case name of every zone of the system's
// zone database to its spelling. It is empty when the machine has no zone
// database (the binary's embedded copy cannot be listed): names must then
// be written in their own case.
func zoneNamesFolded() map[string]string {
	zoneNamesOnce.Do(func() {
		zoneNames = map[string]string{}
		for _, dir := range []string{os.Getenv("ZONEINFO"), "/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ"} {
			if dir == "" {
				continue
			}
			_ = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
				if err != nil {
					return nil
				}
				rel, _ := filepath.Rel(dir, path)
				if e.IsDir() {
					if rel == "posix" || rel == "right" {
						return filepath.SkipDir
					}
					return nil
				}
				if rel != "" && rel[0] >= 'A' && rel[0] <= 'Z' {
					if _, seen := zoneNames[strings.ToLower(rel)]; !seen {
						zoneNames[strings.ToLower(rel)] = rel
					}
				}
				return nil
			})
			if len(zoneNames) > 0 {
				break
			}
		}
	})
	return zoneNames
}
