// Package i18n holds the portal's message catalogue: every fixed citizen-facing text, in Dutch (B1
// level) and English, one embedded JSON file per language. The web pages, the CSV downloads and the
// PDF documents all read their words from it, so a wording is fixed in one place.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// files are the catalogues, one flat JSON object of key to text per language.
//
//go:embed nl.json en.json
var files embed.FS

// languages the catalogue speaks; the first is the default.
func languages() []string { return []string{"nl", "en"} }

// Catalog is the loaded message catalogue. It is read-only after Load, so it is safe for
// concurrent use.
type Catalog struct {
	msgs map[string]map[string]string
}

// Load reads the embedded catalogues. It returns an error when a file is not valid JSON, when a key
// exists in one language and not in another, or when a text is empty, so a broken catalogue stops
// the program at start-up instead of showing keys to citizens.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, l := range languages() {
		b, err := files.ReadFile(l + ".json")
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", l, err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: parse %s.json: %w", l, err)
		}
		for k, v := range m {
			if v == "" {
				return nil, fmt.Errorf("i18n: %s.json: %q is empty", l, k)
			}
		}
		c.msgs[l] = m
	}
	def := c.msgs[languages()[0]]
	for _, l := range languages()[1:] {
		if k, ok := missing(def, c.msgs[l]); ok {
			return nil, fmt.Errorf("i18n: %q is in %s.json but not in %s.json", k, languages()[0], l)
		}
		if k, ok := missing(c.msgs[l], def); ok {
			return nil, fmt.Errorf("i18n: %q is in %s.json but not in %s.json", k, l, languages()[0])
		}
	}
	return c, nil
}

// missing returns the first key (in sorted order) of a that b lacks.
func missing(a, b map[string]string) (string, bool) {
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if _, ok := b[k]; !ok {
			return k, true
		}
	}
	return "", false
}

// Languages returns the languages of the catalogue; the first is the default.
func (c *Catalog) Languages() []string { return languages() }

// T returns the text of key in lang, formatted with args (fmt.Sprintf) when there are any. An
// unknown language falls back to Dutch; a missing key shows as the key itself so that it is
// noticed (and the catalogue tests catch it).
func (c *Catalog) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[languages()[0]]
	}
	s, ok := m[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether the catalogue has key in lang.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// Keys returns every key of lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	return slices.Sorted(maps.Keys(c.msgs[lang]))
}

// Category returns the plain-language name of a data category of the register (key
// "category.<id>"); an unknown language or category shows as the id itself.
func (c *Catalog) Category(lang, id string) string {
	if s, ok := c.msgs[lang]["category."+id]; ok {
		return s
	}
	return id
}
