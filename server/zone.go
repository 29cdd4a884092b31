package server

import (
	"fmt"
	"os"
	"strings"
	"time"
	// Zone names resolve everywhere, on the Worker too, which has no
	// zoneinfo files.
	_ "time/tzdata"
)

// Zone is the server's one clock for people: timelines, tables and exports
// show times in it, and the pages name it. It always has an IANA name
// (Location.String), because browsers format times with that name
// (Intl.DateTimeFormat's timeZone); time.Local is "Local", which no browser
// knows. name "" or "local" is this machine's zone ($TZ, else
// /etc/localtime), UTC when that cannot be told.
func Zone(name string) (*time.Location, error) {
	if name == "" || strings.EqualFold(name, "local") {
		name = localZoneName()
	}
	loc, err := time.LoadLocation(name)
	if err != nil || loc.String() == "Local" {
		return nil, fmt.Errorf("unknown time zone %q: give an IANA name such as Europe/Amsterdam, UTC, or local", name)
	}
	return loc, nil
}

// localZoneName is the IANA name of this machine's zone, or UTC.
func localZoneName() string {
	if tz := strings.TrimPrefix(os.Getenv("TZ"), ":"); tz != "" && !strings.HasPrefix(tz, "/") {
		return tz
	}
	if dest, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(dest, "zoneinfo/"); ok {
			return name
		}
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		if name := strings.TrimSpace(string(b)); name != "" {
			return name
		}
	}
	return "UTC"
}
