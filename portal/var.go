package portal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// A VNG register of processing activities (verwerkingsactiviteitenregister, VAR API 0.1): the answer
// of GET /verwerkingsactiviteiten ({"count", "next", "previous", "results": [...]}) or a bare array
// of verwerkingsactiviteiten. `inzicht register load` maps it to register entries; see docs/api.md.

// VARActivity is one verwerkingsactiviteit of a VAR file. Fields Inzicht does not use are accepted
// and ignored (a VAR export carries them all).
type VARActivity struct {
	ID                              string   `json:"id"`
	Naam                            string   `json:"naam"`
	GebaseerdOp                     string   `json:"gebaseerdOp"`
	Categorie                       string   `json:"categorie"`
	VerantwoordelijkeOrganisatie    string   `json:"verantwoordelijkeOrganisatie"`
	VerantwoordelijkeBestuursorgaan string   `json:"verantwoordelijkeBestuursorgaan"`
	Doel                            string   `json:"doel"`
	Grondslag                       string   `json:"grondslag"`
	ToelichtingGrondslag            string   `json:"toelichtingGrondslag"`
	Bewaartermijn                   string   `json:"bewaartermijn"`
	Herkomst                        string   `json:"herkomst"`
	AfnemendeInternationaleDerden   []string `json:"afnemendeInternationaleDerden"`
	AfnemendeCategorieOntvangers    []string `json:"afnemendeCategorieOntvangers"`
	VerwerktePersoonsgegevens       []struct {
		RolBetrokkene string `json:"rolBetrokkene"`
		Naam          string `json:"naam"`
	} `json:"verwerktePersoonsgegevens"`
}

// VARFile is a parsed VAR file: its activities and the organisations it names (Inzicht's extension
// "organisaties": [{"oin", "naam"}], since VAR refers to organisations by OIN only).
type VARFile struct {
	Activities    []VARActivity
	Organisations []Organisation
}

// IsVAR reports whether a register file is a VAR file rather than Inzicht's own format (a JSON array
// of entries with "name" texts): an object, or an array whose first entry has "naam".
func IsVAR(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		return true
	}
	var first []map[string]json.RawMessage
	if json.Unmarshal(b, &first) != nil || len(first) == 0 {
		return false
	}
	_, ok := first[0]["naam"]
	return ok
}

// ParseVAR reads a VAR file. It returns an error naming the entry for an organisation that is not
// valid; the activities are checked by Map.
func ParseVAR(b []byte) (VARFile, error) {
	var f VARFile
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &f.Activities); err != nil {
			return f, fmt.Errorf("register: VAR: %w", err)
		}
		return f, nil
	}
	var doc struct {
		Results      []VARActivity                `json:"results"`
		Organisaties []struct{ OIN, Naam string } `json:"organisaties"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return f, fmt.Errorf("register: VAR: %w", err)
	}
	f.Activities = doc.Results
	for i, o := range doc.Organisaties {
		org := Organisation{OIN: strings.TrimSpace(o.OIN), Name: o.Naam}
		if err := org.Validate(); err != nil {
			return f, fmt.Errorf("register: VAR: organisaties[%d]: %w", i, err)
		}
		f.Organisations = append(f.Organisations, org)
	}
	return f, nil
}

// Map turns the file's verwerkingsactiviteiten into register entries, each checked
// (Activity.Validate). names gives organisation names by OIN (the file's own and those Inzicht knows);
// an unknown verantwoordelijkeOrganisatie is an error, as is a bewaartermijn without a period.
//
//   - id → id (a UUID, lower-cased; a verwerkingsactie's verwerkingsactiviteitId finds it);
//   - naam → name, doel → purpose, grondslag (": " toelichtingGrondslag) → legal basis; VAR is Dutch
//     only, so the English texts are the Dutch ones until the entry is translated (PUT
//     /processing-activities/{id});
//   - verwerktePersoonsgegevens[].naam → data categories (lower case, other characters as "_"); none
//     → "persoonsgegevens";
//   - bewaartermijn → retention: an ISO 8601 duration as is, else the longest "N jaar", "N maanden" or
//     "N weken" in the text ("5 jaar bij toekenning, 1 jaar bij afwijzing" → P5Y), keeping rather too
//     long than too short;
//   - verantwoordelijkeOrganisatie (OIN) → controller, by name.
func (f VARFile) Map(names map[string]string) ([]Activity, error) {
	out := make([]Activity, 0, len(f.Activities))
	for i, v := range f.Activities {
		name := strings.TrimSpace(v.Naam)
		legal := strings.TrimSpace(v.Grondslag)
		if t := strings.TrimSpace(v.ToelichtingGrondslag); t != "" {
			legal += ": " + t
		}
		a := Activity{ID: strings.ToLower(strings.TrimSpace(v.ID)), Name: Text{NL: name, EN: name},
			Purpose: Text{NL: strings.TrimSpace(v.Doel), EN: strings.TrimSpace(v.Doel)}, LegalBasis: Text{NL: legal, EN: legal}}
		for _, p := range v.VerwerktePersoonsgegevens {
			if c := categorySlug(p.Naam); c != "" {
				a.DataCategories = append(a.DataCategories, c)
			}
		}
		a.DataCategories = Dedupe(a.DataCategories)
		if len(a.DataCategories) == 0 {
			a.DataCategories = []string{"persoonsgegevens"}
		}
		ret, ok := varRetention(v.Bewaartermijn)
		if !ok {
			return nil, fmt.Errorf("register: VAR: activity %d (%s): bewaartermijn %q names no period (such as \"5 jaar\" or P5Y)", i, v.ID, v.Bewaartermijn)
		}
		a.Retention = ret
		oin := strings.TrimSpace(v.VerantwoordelijkeOrganisatie)
		a.Controller = names[oin]
		if a.Controller == "" {
			return nil, fmt.Errorf("register: VAR: activity %d (%s): verantwoordelijkeOrganisatie %q is not a known organisation: "+
				"add it under \"organisaties\" in the file or with PUT /api/v1/organisations/{oin}", i, v.ID, oin)
		}
		if len(a.DataCategories) > MaxCategories {
			a.DataCategories = a.DataCategories[:MaxCategories]
		}
		if err := a.Validate(); err != nil {
			return nil, fmt.Errorf("register: VAR: activity %d (%s): %w (fields %v)", i, v.ID, err, ErrorFields(err))
		}
		out = append(out, a)
	}
	return out, nil
}

var nonCategory = regexp.MustCompile(`[^a-z0-9]+`)

// categorySlug turns a VAR persoonsgegeven name into a data category id ("Naam en adres" →
// "naam_en_adres"), or "" when nothing is left.
func categorySlug(s string) string {
	c := strings.Trim(nonCategory.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if len(c) > 64 {
		c = strings.TrimRight(c[:64], "_")
	}
	return c
}

var periodRe = regexp.MustCompile(`(?i)(\d{1,3})\s*(jaar|jaren|maand|maanden|week|weken)`)

// varRetention reads a VAR bewaartermijn (free text) as an ISO 8601 duration.
func varRetention(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if _, err := ParseRetention(s); err == nil {
		return s, true
	}
	best, bestDays := "", 0
	for _, m := range periodRe.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(m[1])
		if n == 0 {
			continue
		}
		unit, days := "Y", 365
		switch strings.ToLower(m[2])[0] {
		case 'm':
			unit, days = "M", 30
		case 'w':
			unit, days = "W", 7
		}
		if n*days > bestDays {
			best, bestDays = fmt.Sprintf("P%d%s", n, unit), n*days
		}
	}
	return best, best != ""
}
