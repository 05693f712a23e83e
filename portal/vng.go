package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// VNG GEMMA Verwerkingenlogging (OAS 0.9): a verwerkingsactie is one operation of an automated system
// on (personal) data, reported with the VNG field names. Each verwerkt object that is a person
// identified by BSN becomes one processing event in that person's log; see docs/api.md.

// Values of vertrouwelijkheid.
const (
	VNGNormaal       = "normaal"
	VNGVertrouwelijk = "vertrouwelijk"
	VNGOpgeheven     = "opgeheven"
)

// Vertrouwelijkheden lists the values of vertrouwelijkheid in the OAS's order.
var Vertrouwelijkheden = []string{VNGNormaal, VNGVertrouwelijk, VNGOpgeheven}

// VNGObjecttypePersoon is the only objecttype of OAS 0.9.
const VNGObjecttypePersoon = "persoon"

// MaxVerwerkteObjecten bounds the objects of one actie (each person is one event).
const MaxVerwerkteObjecten = MaxBatch

// VerwerktSoortGegeven is a kind of data processed about an object.
type VerwerktSoortGegeven struct {
	SoortGegeven string `json:"soortGegeven"`
}

// VerwerktObject is a person or object a verwerkingsactie touched. VerwerktObjectID is assigned by
// Inzicht (read-only in the OAS): for a person by BSN it is also the id of their processing event.
type VerwerktObject struct {
	VerwerktObjectID         string                 `json:"verwerktObjectId,omitempty"`
	Objecttype               string                 `json:"objecttype"`
	SoortObjectID            string                 `json:"soortObjectId"`
	ObjectID                 string                 `json:"objectId"`
	Betrokkenheid            string                 `json:"betrokkenheid,omitempty"`
	VerwerkteSoortenGegevens []VerwerktSoortGegeven `json:"verwerkteSoortenGegevens,omitempty"`
}

// IsBSN reports whether the object is a person identified by BSN, the objects Inzicht makes events of.
func (o *VerwerktObject) IsBSN() bool {
	return o.Objecttype == VNGObjecttypePersoon && strings.EqualFold(o.SoortObjectID, "BSN")
}

// Verwerkingsactie is a VNG verwerkingsactie. URL and TijdstipRegistratie are set by Inzicht.
type Verwerkingsactie struct {
	URL                             string           `json:"url,omitempty"`
	ActieID                         string           `json:"actieId"`
	ActieNaam                       string           `json:"actieNaam,omitempty"`
	HandelingNaam                   string           `json:"handelingNaam,omitempty"`
	VerwerkingNaam                  string           `json:"verwerkingNaam,omitempty"`
	VerwerkingID                    string           `json:"verwerkingId,omitempty"`
	VerwerkingsactiviteitID         string           `json:"verwerkingsactiviteitId,omitempty"`
	VerwerkingsactiviteitURL        string           `json:"verwerkingsactiviteitUrl,omitempty"`
	Vertrouwelijkheid               string           `json:"vertrouwelijkheid"`
	Bewaartermijn                   string           `json:"bewaartermijn,omitempty"`
	Uitvoerder                      string           `json:"uitvoerder,omitempty"`
	Systeem                         string           `json:"systeem,omitempty"`
	Gebruiker                       string           `json:"gebruiker,omitempty"`
	Gegevensbron                    string           `json:"gegevensbron,omitempty"`
	SoortAfnemerID                  string           `json:"soortAfnemerId,omitempty"`
	AfnemerID                       string           `json:"afnemerId,omitempty"`
	VerwerkingsactiviteitIDAfnemer  string           `json:"verwerkingsactiviteitIdAfnemer,omitempty"`
	VerwerkingsactiviteitURLAfnemer string           `json:"verwerkingsactiviteitUrlAfnemer,omitempty"`
	VerwerkingIDAfnemer             string           `json:"verwerkingIdAfnemer,omitempty"`
	Tijdstip                        time.Time        `json:"tijdstip"`
	TijdstipRegistratie             time.Time        `json:"tijdstipRegistratie"`
	VerwerkteObjecten               []VerwerktObject `json:"verwerkteObjecten"`
}

// AfnemerIsBSN reports whether the afnemer (recipient) is a person identified by BSN.
func (va *Verwerkingsactie) AfnemerIsBSN() bool { return strings.EqualFold(va.SoortAfnemerID, "BSN") }

var (
	oinRe = regexp.MustCompile(`^[0-9]{20}$`)
)

// ValidOIN reports whether s is an OIN (organisatie-identificatienummer): 20 digits.
func ValidOIN(s string) bool { return oinRe.MatchString(s) }

// EntityOIN returns the OIN an LDV foreign_operation entity names, or "": an entity that is a bare
// OIN (20 digits), the URN urn:nl:oin:<OIN> (prefix in any case), or an http(s) URL whose last path
// segment is an OIN.
func EntityOIN(entity string) string {
	entity = strings.TrimSpace(entity)
	if ValidOIN(entity) {
		return entity
	}
	const urn = "urn:nl:oin:"
	if len(entity) > len(urn) && strings.EqualFold(entity[:len(urn)], urn) {
		if oin := entity[len(urn):]; ValidOIN(oin) {
			return oin
		}
		return ""
	}
	u, err := url.Parse(entity)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	if seg := LastPathSegment(u.Path); ValidOIN(seg) {
		return seg
	}
	return ""
}

// vngMaxName is the OAS's maxLength of names and free text (242); ids of users, objects and
// afnemers are at most 40 and URLs at most 2042.
const (
	vngMaxName = 242
	vngMaxID   = 40
	vngMaxURL  = 2042
)

// Normalize trims text and lower-cases the uuids, so that equal content hashes equally.
func (va *Verwerkingsactie) Normalize() {
	for _, p := range []*string{&va.ActieID, &va.VerwerkingID, &va.VerwerkingsactiviteitID, &va.VerwerkingsactiviteitIDAfnemer,
		&va.VerwerkingIDAfnemer} {
		*p = strings.ToLower(strings.TrimSpace(*p))
	}
	for _, p := range []*string{&va.ActieNaam, &va.HandelingNaam, &va.VerwerkingNaam, &va.VerwerkingsactiviteitURL,
		&va.Bewaartermijn, &va.Uitvoerder, &va.Systeem, &va.Gebruiker, &va.Gegevensbron, &va.SoortAfnemerID, &va.AfnemerID,
		&va.VerwerkingsactiviteitURLAfnemer} {
		*p = strings.TrimSpace(*p)
	}
	va.Tijdstip = va.Tijdstip.UTC()
	va.SoortAfnemerID = bsnLabel(va.SoortAfnemerID)
	for i := range va.VerwerkteObjecten {
		o := &va.VerwerkteObjecten[i]
		o.SoortObjectID, o.ObjectID, o.Betrokkenheid = strings.TrimSpace(o.SoortObjectID), strings.TrimSpace(o.ObjectID), strings.TrimSpace(o.Betrokkenheid)
		o.SoortObjectID = bsnLabel(o.SoortObjectID)
		for j := range o.VerwerkteSoortenGegevens {
			o.VerwerkteSoortenGegevens[j].SoortGegeven = strings.TrimSpace(o.VerwerkteSoortenGegevens[j].SoortGegeven)
		}
	}
}

// bsnLabel returns "BSN" for the ways suppliers write that a number is a BSN ("bsn",
// "Burgerservicenummer", "BSN-nummer"), so that such a number is treated as a BSN (hashed and
// encrypted, an event for the person), and label otherwise.
func bsnLabel(label string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(label) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	switch b.String() {
	case "bsn", "bsnnummer", "burgerservicenummer":
		return "BSN"
	}
	return label
}

// looksLikeBSN reports whether id, without spaces, dots and dashes, is 9 digits passing the
// 11-proef: a number that must not be stored or shown under another label than BSN.
func looksLikeBSN(id string) bool {
	return ValidBSN(strings.NewReplacer(" ", "", ".", "", "-", "").Replace(id))
}

// Validate checks a verwerkingsactie against the OAS (required fields, enums, formats and lengths)
// and Inzicht's rules (tijdstip within r's bounds, a valid BSN for every person by BSN). It returns
// an EINVALID *Error naming every broken field by its VNG path ("verwerkteObjecten[2].objectId"), or
// nil. Call Normalize first.
func (va *Verwerkingsactie) Validate(r EventRules) error {
	var fe []FieldError
	add := func(field, msg string) { fe = append(fe, FieldError{Index: -1, Field: field, Message: msg}) }
	for _, f := range []struct{ name, v string }{{"actieId", va.ActieID}, {"verwerkingId", va.VerwerkingID},
		{"verwerkingsactiviteitId", va.VerwerkingsactiviteitID}, {"verwerkingsactiviteitIdAfnemer", va.VerwerkingsactiviteitIDAfnemer},
		{"verwerkingIdAfnemer", va.VerwerkingIDAfnemer}} {
		if f.v != "" && !uuidRe.MatchString(f.v) {
			add(f.name, "must be a UUID")
		}
	}
	if !slices.Contains(Vertrouwelijkheden, va.Vertrouwelijkheid) {
		if va.Vertrouwelijkheid == "" {
			add("vertrouwelijkheid", "required: one of "+strings.Join(Vertrouwelijkheden, ", "))
		} else {
			add("vertrouwelijkheid", "must be one of "+strings.Join(Vertrouwelijkheden, ", "))
		}
	}
	if va.Bewaartermijn != "" {
		if _, err := ParseRetention(va.Bewaartermijn); err != nil {
			add("bewaartermijn", err.Error())
		}
	}
	if va.Uitvoerder != "" && !ValidOIN(va.Uitvoerder) {
		add("uitvoerder", "must be an OIN: 20 digits")
	}
	if va.Tijdstip.IsZero() {
		add("tijdstip", "required (RFC 3339 date-time)")
	} else if va.Tijdstip.After(r.Now.Add(r.maxAhead())) {
		add("tijdstip", fmt.Sprintf("lies more than %s in the future", r.maxAhead()))
	} else if !r.NotBefore.IsZero() && va.Tijdstip.Before(r.NotBefore) {
		add("tijdstip", fmt.Sprintf("lies before %s, the earliest time accepted", r.NotBefore.UTC().Format(time.RFC3339)))
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"actieNaam", va.ActieNaam, vngMaxName}, {"handelingNaam", va.HandelingNaam, vngMaxName},
		{"verwerkingNaam", va.VerwerkingNaam, vngMaxName}, {"verwerkingsactiviteitUrl", va.VerwerkingsactiviteitURL, vngMaxURL},
		{"systeem", va.Systeem, vngMaxName}, {"gebruiker", va.Gebruiker, vngMaxID}, {"gegevensbron", va.Gegevensbron, vngMaxName},
		{"soortAfnemerId", va.SoortAfnemerID, vngMaxName}, {"afnemerId", va.AfnemerID, vngMaxID},
		{"verwerkingsactiviteitUrlAfnemer", va.VerwerkingsactiviteitURLAfnemer, vngMaxURL},
	} {
		if msg := CheckText(f.v, f.max); msg != "" {
			add(f.name, msg)
		}
	}
	for _, f := range []struct{ name, v string }{{"verwerkingsactiviteitUrl", va.VerwerkingsactiviteitURL},
		{"verwerkingsactiviteitUrlAfnemer", va.VerwerkingsactiviteitURLAfnemer}} {
		if f.v != "" && !strings.HasPrefix(f.v, "https://") && !strings.HasPrefix(f.v, "http://") {
			add(f.name, "must be an absolute http(s) URL")
		}
	}
	if va.AfnemerID != "" && va.SoortAfnemerID == "" {
		add("soortAfnemerId", "required when afnemerId is given")
	}
	if va.AfnemerIsBSN() && va.AfnemerID != "" && !ValidBSN(va.AfnemerID) {
		add("afnemerId", "must be 9 digits passing the 11-proef (soortAfnemerId is BSN)")
	}
	if !va.AfnemerIsBSN() && looksLikeBSN(va.AfnemerID) {
		add("afnemerId", "looks like a BSN: give soortAfnemerId BSN (a BSN is never stored or shown under another label)")
	}
	if va.VerwerkteObjecten == nil {
		add("verwerkteObjecten", "required")
	} else if len(va.VerwerkteObjecten) > MaxVerwerkteObjecten {
		add("verwerkteObjecten", fmt.Sprintf("at most %d objects, this actie lists %d", MaxVerwerkteObjecten, len(va.VerwerkteObjecten)))
	}
	for i, o := range va.VerwerkteObjecten {
		p := fmt.Sprintf("verwerkteObjecten[%d].", i)
		switch o.Objecttype {
		case VNGObjecttypePersoon:
		case "":
			add(p+"objecttype", "required: persoon")
		default:
			add(p+"objecttype", "must be persoon")
		}
		if o.SoortObjectID == "" {
			add(p+"soortObjectId", "required")
		} else if msg := CheckText(o.SoortObjectID, vngMaxName); msg != "" {
			add(p+"soortObjectId", msg)
		}
		switch {
		case o.ObjectID == "":
			add(p+"objectId", "required")
		case o.IsBSN() && !ValidBSN(o.ObjectID):
			add(p+"objectId", "must be 9 digits passing the 11-proef (soortObjectId is BSN)")
		case !o.IsBSN() && looksLikeBSN(o.ObjectID):
			add(p+"objectId", "looks like a BSN: give soortObjectId BSN (a BSN is never stored under another label)")
		default:
			if msg := CheckText(o.ObjectID, vngMaxID); msg != "" {
				add(p+"objectId", msg)
			}
		}
		if msg := CheckText(o.Betrokkenheid, vngMaxName); msg != "" {
			add(p+"betrokkenheid", msg)
		}
		if len(o.VerwerkteSoortenGegevens) > MaxCategories {
			add(p+"verwerkteSoortenGegevens", fmt.Sprintf("at most %d, this object lists %d", MaxCategories, len(o.VerwerkteSoortenGegevens)))
		}
		for j, g := range o.VerwerkteSoortenGegevens {
			q := fmt.Sprintf("%sverwerkteSoortenGegevens[%d].soortGegeven", p, j)
			if g.SoortGegeven == "" {
				add(q, "required")
			} else if msg := CheckText(g.SoortGegeven, vngMaxName); msg != "" {
				add(q, msg)
			}
		}
	}
	if len(fe) > 0 {
		return &Error{Code: EINVALID, Message: fmt.Sprintf("%d invalid field(s); nothing was stored", len(fe)), Fields: fe}
	}
	return nil
}

// HasPersons reports whether any verwerkt object is a person by BSN (and so makes an event).
func (va *Verwerkingsactie) HasPersons() bool {
	return slices.ContainsFunc(va.VerwerkteObjecten, func(o VerwerktObject) bool { return o.IsBSN() })
}

// ResolveActivity finds the register entry the actie cites: verwerkingsactiviteitId is an entry's id;
// verwerkingsactiviteitUrl is first matched exactly against the entries' URIs (Activity.URI, so the
// register must carry them), else by its last path segment against their ids (a VAR URL ends in the
// id). Both given must name the same entry. An actie that touches no person by BSN may cite none. It
// returns the entry (nil when none is cited) or the broken field.
func (va *Verwerkingsactie) ResolveActivity(register map[string]Activity) (*Activity, *FieldError) {
	id, field := va.VerwerkingsactiviteitID, "verwerkingsactiviteitId"
	if u := va.VerwerkingsactiviteitURL; u != "" {
		seg := strings.ToLower(LastPathSegment(u))
		for _, a := range register {
			if a.URI != "" && a.URI == u {
				seg = a.ID
				break
			}
		}
		if id != "" && seg != id {
			return nil, &FieldError{Index: -1, Field: "verwerkingsactiviteitUrl", Message: "names another register entry than verwerkingsactiviteitId"}
		}
		if id == "" {
			id, field = seg, "verwerkingsactiviteitUrl"
		}
	}
	if id == "" {
		if va.HasPersons() {
			return nil, &FieldError{Index: -1, Field: "verwerkingsactiviteitId",
				Message: "required when a verwerkt object is a person by BSN: the register entry (or verwerkingsactiviteitUrl)"}
		}
		return nil, nil
	}
	a, ok := register[id]
	if !ok {
		return nil, &FieldError{Index: -1, Field: field, Message: unknownActivity + " " + id}
	}
	return &a, nil
}

// LastPathSegment returns the last non-empty path segment of a URL, without query or fragment.
func LastPathSegment(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	u = strings.TrimRight(u, "/")
	return u[strings.LastIndexByte(u, '/')+1:]
}

// VNGOrigin marks an event made for a verwerkt object of a VNG verwerkingsactie. Like an event from an
// OTLP span it may leave action, level, role and access basis empty: VNG does not carry them.
type VNGOrigin struct {
	ActieID string `json:"actie_id"`
}

// VNGConfidentialReason is the confidential_reason of the events of a vertrouwelijk actie.
const VNGConfidentialReason = "VNG verwerkingsactie vertrouwelijk"

// Events maps the actie to one processing event per verwerkt object that is a person by BSN, in
// object order (VerwerktObjectID, set by the caller, is the event id). act is the register entry
// (ResolveActivity), orgs the known organisation names by OIN. A vertrouwelijk actie's events stay
// hidden from the citizen until lifted, at most r.MaxConfidential from r.Now (the configured cap; a
// PATCH with vertrouwelijk again extends them, recorded).
func (va *Verwerkingsactie) Events(act *Activity, orgs map[string]string, r EventRules) []Event {
	var out []Event
	if act == nil {
		return nil
	}
	org := orgs[va.Uitvoerder]
	if org == "" {
		org = act.Controller
	}
	recipient := ""
	switch {
	case va.AfnemerID == "":
	case va.AfnemerIsBSN():
		recipient = "natuurlijk persoon" // never a BSN in another person's log
	case strings.EqualFold(va.SoortAfnemerID, "OIN") && orgs[va.AfnemerID] != "":
		recipient = orgs[va.AfnemerID]
	case strings.EqualFold(va.SoortAfnemerID, "OIN"):
		recipient = "organisatie met OIN " + va.AfnemerID
	default:
		// Another kind of identifier is not shown as such: it may identify a person.
		recipient = "afnemer (" + va.SoortAfnemerID + ")"
	}
	for _, o := range va.VerwerkteObjecten {
		if !o.IsBSN() {
			continue
		}
		e := Event{ID: o.VerwerktObjectID, OccurredAt: va.Tijdstip, SubjectBSN: o.ObjectID, Activity: act.ID,
			DataCategories: slices.Clone(act.DataCategories), Actor: Actor{Organization: org, EmployeeID: va.Gebruiker},
			System: va.Systeem, Recipient: recipient, VNG: &VNGOrigin{ActieID: va.ActieID}}
		if va.Vertrouwelijkheid == VNGVertrouwelijk {
			until := r.Now.Add(r.MaxConfidential).UTC()
			e.ConfidentialUntil, e.ConfidentialReason = &until, VNGConfidentialReason
		}
		out = append(out, e)
	}
	return out
}

// ContentHash is a digest of the normalized actie as reported, with every BSN (objects and afnemer)
// replaced by key(bsn), its keyed HMAC: the same actieId with the same content is a retry, with other
// content a conflict. URL, tijdstipRegistratie and the objects' ids (set by Inzicht) are left out.
func (va *Verwerkingsactie) ContentHash(key func(bsn string) []byte) []byte {
	c := *va
	c.URL, c.TijdstipRegistratie = "", time.Time{}
	c.VerwerkteObjecten = slices.Clone(va.VerwerkteObjecten)
	for i := range c.VerwerkteObjecten {
		o := &c.VerwerkteObjecten[i]
		o.VerwerktObjectID = ""
		if o.IsBSN() {
			o.ObjectID = hex.EncodeToString(key(o.ObjectID))
		}
	}
	if c.AfnemerIsBSN() && c.AfnemerID != "" {
		c.AfnemerID = hex.EncodeToString(key(c.AfnemerID))
	}
	b, _ := json.Marshal(&c) // strings, times and slices always marshal
	h := sha256.Sum256(b)
	return h[:]
}

// VerwerkingPatch is the body of PATCH /verwerkingsacties?verwerkingId=…: a new vertrouwelijkheid
// and/or bewaartermijn for every actie of one verwerking.
type VerwerkingPatch struct {
	Vertrouwelijkheid string `json:"vertrouwelijkheid,omitempty"`
	Bewaartermijn     string `json:"bewaartermijn,omitempty"`
}

// Validate checks a patch; it returns an EINVALID *Error naming each broken field, or nil.
func (p *VerwerkingPatch) Validate() error {
	var fe []FieldError
	if p.Vertrouwelijkheid == "" && p.Bewaartermijn == "" {
		fe = append(fe, FieldError{Index: -1, Field: "vertrouwelijkheid", Message: "give vertrouwelijkheid and/or bewaartermijn"})
	}
	if p.Vertrouwelijkheid != "" && !slices.Contains(Vertrouwelijkheden, p.Vertrouwelijkheid) {
		fe = append(fe, FieldError{Index: -1, Field: "vertrouwelijkheid", Message: "must be one of " + strings.Join(Vertrouwelijkheden, ", ")})
	}
	if p.Bewaartermijn != "" {
		if _, err := ParseRetention(p.Bewaartermijn); err != nil {
			fe = append(fe, FieldError{Index: -1, Field: "bewaartermijn", Message: err.Error()})
		}
	}
	if len(fe) > 0 {
		return &Error{Code: EINVALID, Message: "invalid change of a verwerking", Fields: fe}
	}
	return nil
}

// VerwerkingsactieFilter selects the acties of one person (GET /verwerkingsacties).
type VerwerkingsactieFilter struct {
	BSN                     string
	From, To                time.Time // To is exclusive (eindDatum: "kleiner dan")
	Vertrouwelijkheid       []string
	VerwerkingsactiviteitID string
	Offset, Limit           int
}

// Organisation is an organisation known by its OIN.
type Organisation struct {
	OIN  string `json:"oin"`
	Name string `json:"name"`
}

// Validate checks an organisation; EINVALID naming each broken field, or nil.
func (o *Organisation) Validate() error {
	var fe []FieldError
	o.Name = strings.TrimSpace(o.Name)
	if !ValidOIN(o.OIN) {
		fe = append(fe, FieldError{Index: -1, Field: "oin", Message: "must be an OIN: 20 digits"})
	}
	if o.Name == "" {
		fe = append(fe, FieldError{Index: -1, Field: "name", Message: "required"})
	} else if msg := CheckText(o.Name, 200); msg != "" {
		fe = append(fe, FieldError{Index: -1, Field: "name", Message: msg})
	}
	if len(fe) > 0 {
		return &Error{Code: EINVALID, Message: "invalid organisation", Fields: fe}
	}
	return nil
}
