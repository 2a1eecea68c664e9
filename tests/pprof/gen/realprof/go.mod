module e2e-profile/realprof

go 1.19
