package demo

// The claim names the demo's DigiD simulator puts "acting on behalf of" (DigiD Machtigen style) into
// the ID token with, and that the demo portal reads: the represented person's BSN and the service
// the authorisation is for.
const (
	ActingBSNClaim     = "represented_bsn"
	ActingServiceClaim = "mandate_service"
)
