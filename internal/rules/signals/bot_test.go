package signals

import "testing"

func TestClassifyUserAgent(t *testing.T) {
	for _, tc := range []struct {
		ua                    string
		nonBrowser, automated bool
	}{
		{"", true, false},
		{"curl/8.5.0", true, false},
		{"python-requests/2.31.0", true, false},
		{"Go-http-client/1.1", true, false},
		{"okhttp/4.12.0", true, false},
		{"Wget/1.21.3", true, false},
		{"Apache-HttpClient/4.5.14 (Java/17.0.9)", true, false},
		{"axios/1.6.2", true, false},
		{"PostmanRuntime/7.36.0", true, false},
		{"aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22", true, false},
		{"MyApp/3.1 CFNetwork/1494.0.7 Darwin/23.4.0", true, false},
		{"Mozilla/5.0", true, false},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", false, false},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", false, false},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", false, false},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36", false, true},
		{"Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1", false, true},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36 Electron/30.0.0", false, true},
	} {
		nb, auto := ClassifyUserAgent(tc.ua)
		if nb != tc.nonBrowser || auto != tc.automated {
			t.Errorf("ClassifyUserAgent(%q) = %v, %v; want %v, %v", tc.ua, nb, auto, tc.nonBrowser, tc.automated)
		}
	}
}
