module e2e-profile/gen-large-heap

go 1.19
