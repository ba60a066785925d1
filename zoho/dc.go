package zoho

import (
	"fmt"
	"net/url"
	"strings"
)

// Location is a Zoho data centre's location code, as Zoho's authorization
// redirect reports it in its location parameter ("us", "eu", ...).
type Location string

// The data centres Zoho runs. Their hosts come from Zoho's own SDKs and
// documentation (see DataCenter for the ones that are not confirmed).
const (
	US Location = "us" // United States: zoho.com
	EU Location = "eu" // Europe: zoho.eu
	IN Location = "in" // India: zoho.in
	AU Location = "au" // Australia: zoho.com.au
	JP Location = "jp" // Japan: zoho.jp
	CN Location = "cn" // China: zoho.com.cn
	CA Location = "ca" // Canada: accounts at zohocloud.ca, APIs at zohoapis.ca
	SA Location = "sa" // Saudi Arabia: zoho.sa
	UK Location = "uk" // United Kingdom: zoho.uk
	AE Location = "ae" // United Arab Emirates: zoho.ae
)

// DataCenter names the hosts of one Zoho data centre. Every URL is an origin
// ("https://host", no trailing slash).
//
// The known data centres are Location.DataCenter's results; a DataCenter can
// also be built by hand for custom hosts (a sandbox, a proxy, or a fake Zoho
// in tests, whose every host is its own URL). A DataCenter with a known
// Location and some hosts left empty gets the missing hosts from the known
// table when a client is built.
//
// API is only the default for the data API: once a token response names an
// api_domain, that domain is used for CRM, Books and Inventory calls.
type DataCenter struct {
	Location Location
	// Accounts is the OAuth server, e.g. https://accounts.zoho.eu.
	Accounts string
	// API is the default API domain, e.g. https://www.zohoapis.eu.
	API string
	// Content is the file-upload host (CRM bulk-write uploads), e.g.
	// https://content.zohoapis.eu. Empty when unknown (UK and AE).
	Content string
	// Projects is the Zoho Projects API host, e.g. https://projectsapi.zoho.eu.
	Projects string
	// People is the Zoho People host, e.g. https://people.zoho.eu.
	People string
}

// knownDataCenter returns the hosts of a known location.
//
// Accounts, API and Content for US..SA come from Zoho's CRM SDK 8.0; UK and
// AE from Zoho's multi-DC page and third-party code (their upload host is
// not known, so Content is empty). Projects and People hosts follow Zoho's
// "projectsapi.zoho.{tld}" and "people.zoho.{tld}" pattern; for CA they use
// zohocloud.ca like the accounts server (not confirmed by Zoho's docs).
func knownDataCenter(l Location) (DataCenter, bool) {
	var tld, content string
	switch l {
	case US:
		tld, content = "zoho.com", "https://content.zohoapis.com"
	case EU:
		tld, content = "zoho.eu", "https://content.zohoapis.eu"
	case IN:
		tld, content = "zoho.in", "https://content.zohoapis.in"
	case AU:
		tld, content = "zoho.com.au", "https://content.zohoapis.com.au"
	case JP:
		tld, content = "zoho.jp", "https://content.zohoapis.jp"
	case CN:
		tld, content = "zoho.com.cn", "https://content.zohoapis.com.cn"
	case CA:
		return DataCenter{
			Location: CA,
			Accounts: "https://accounts.zohocloud.ca",
			API:      "https://www.zohoapis.ca",
			Content:  "https://upload.zohocloud.ca",
			Projects: "https://projectsapi.zohocloud.ca",
			People:   "https://people.zohocloud.ca",
		}, true
	case SA:
		tld, content = "zoho.sa", "https://files.zoho.sa"
	case UK:
		tld = "zoho.uk"
	case AE:
		tld = "zoho.ae"
	default:
		return DataCenter{}, false
	}
	return DataCenter{
		Location: l,
		Accounts: "https://accounts." + tld,
		API:      "https://www.zohoapis." + strings.TrimPrefix(tld, "zoho."),
		Content:  content,
		Projects: "https://projectsapi." + tld,
		People:   "https://people." + tld,
	}, true
}

// DataCenter returns the hosts of a known location; for an unknown one it
// returns a DataCenter with only Location set, which a client rejects unless
// the hosts are filled in by hand.
func (l Location) DataCenter() DataCenter {
	if dc, ok := knownDataCenter(l); ok {
		return dc
	}
	return DataCenter{Location: l}
}

// ParseLocation accepts a location code in any case ("EU", "eu") or a
// Zoho domain suffix ("com", "eu", "com.au", "zohocloud.ca") and returns the
// Location, or an error naming the input.
func ParseLocation(s string) (Location, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.TrimPrefix(v, ".")
	switch v {
	case "com":
		return US, nil
	case "com.au":
		return AU, nil
	case "com.cn":
		return CN, nil
	case "zohocloud.ca":
		return CA, nil
	}
	if _, ok := knownDataCenter(Location(v)); ok {
		return Location(v), nil
	}
	return "", fmt.Errorf("zoho: unknown data centre location %q", s)
}

// DataCenters returns every known data centre, in a fresh slice.
func DataCenters() []DataCenter {
	locs := []Location{US, EU, IN, AU, JP, CN, CA, SA, UK, AE}
	out := make([]DataCenter, 0, len(locs))
	for _, l := range locs {
		out = append(out, l.DataCenter())
	}
	return out
}

// DataCenterForAccounts returns the known data centre whose accounts server
// is the given origin (as Zoho's authorization redirect reports it in its
// accounts-server parameter), and false when none is.
func DataCenterForAccounts(accountsServer string) (DataCenter, bool) {
	want := normalizeOrigin(accountsServer)
	for _, dc := range DataCenters() {
		if dc.Accounts == want {
			return dc, true
		}
	}
	return DataCenter{}, false
}

// withDefaults fills empty hosts of a known location from the table; the
// zero DataCenter is US.
func (d DataCenter) withDefaults() DataCenter {
	if d == (DataCenter{}) {
		return US.DataCenter()
	}
	if known, ok := knownDataCenter(d.Location); ok {
		fill := func(dst *string, src string) {
			if *dst == "" {
				*dst = src
			}
		}
		fill(&d.Accounts, known.Accounts)
		fill(&d.API, known.API)
		fill(&d.Content, known.Content)
		fill(&d.Projects, known.Projects)
		fill(&d.People, known.People)
	}
	d.Accounts = normalizeOrigin(d.Accounts)
	d.API = normalizeOrigin(d.API)
	d.Content = normalizeOrigin(d.Content)
	d.Projects = normalizeOrigin(d.Projects)
	d.People = normalizeOrigin(d.People)
	return d
}

// validate checks that the hosts the client cannot work without are
// absolute http(s) URLs. field prefixes the error (e.g. "Config.DataCenter").
func (d DataCenter) validate(field string) error {
	if d.Accounts == "" {
		return fmt.Errorf("zoho: %s.Accounts is empty (unknown location %q?)", field, d.Location)
	}
	check := func(name, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("zoho: %s.%s %q is not an absolute http(s) URL", field, name, v)
		}
		return nil
	}
	for _, f := range []struct{ name, v string }{
		{"Accounts", d.Accounts}, {"API", d.API}, {"Content", d.Content},
		{"Projects", d.Projects}, {"People", d.People},
	} {
		if err := check(f.name, f.v); err != nil {
			return err
		}
	}
	if d.API == "" {
		return fmt.Errorf("zoho: %s.API is empty", field)
	}
	return nil
}

// normalizeOrigin trims spaces and trailing slashes.
func normalizeOrigin(s string) string {
	return strings.TrimRight(strings.TrimSpace(s), "/")
}
