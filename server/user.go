package server

// Role is what a caller may do. Staff (admin, reviewer) log in; a student
// holds an access link; a device holds a kiosk key and may only post counts.
type Role string

const (
	RoleAdmin    Role = "admin"
	RoleReviewer Role = "reviewer"
	RoleStudent  Role = "student"
	RoleDevice   Role = "device"
)

// UserStore keeps staff accounts and their login sessions.
type UserStore interface{}
