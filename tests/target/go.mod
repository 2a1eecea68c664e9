module e2e-profile/target

go 1.19
