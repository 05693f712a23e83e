package portal

// MessageFilter selects the inbox messages shown to whoever reads a person's inbox: the person
// themselves (RepresentationID "") sees every message; a representative acting under a
// representation sees only messages of the parts it covers (a request's messages need PartRequests,
// a signal's PartSignals, a consent request's PartConsent) and no message about a signal hidden from
// representatives (Signal.HiddenFromRepresentatives) unless a release for that representation was
// approved.
type MessageFilter struct {
	SubjectID        int64
	RepresentationID string   // "" for the person themselves
	Parts            []string // the parts covered while acting; ignored for the person themselves
}

// InboxFilter is the message filter of a person's inbox read by a (nil for the person themselves).
func InboxFilter(subjectID int64, a *Acting) MessageFilter {
	f := MessageFilter{SubjectID: subjectID}
	if a != nil {
		f.RepresentationID, f.Parts = a.Rep.ID, a.Rep.PartsOf()
	}
	return f
}

// Acting reports whether the filter is a representative's.
func (f MessageFilter) Acting() bool { return f.RepresentationID != "" }

// Covers reports whether the reader may see messages of a part.
func (f MessageFilter) Covers(part string) bool {
	if !f.Acting() {
		return true
	}
	for _, p := range f.Parts {
		if p == part {
			return true
		}
	}
	return false
}
