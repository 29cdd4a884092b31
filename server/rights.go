package server

// RightsStore keeps what students ask for under the GDPR: objections,
// deletion requests and corrections.
type RightsStore interface{}
