package transform

// ISO 4217 currency codes and their minor units (fraction digits), active codes plus a few
// recently withdrawn ones that old ERP records still carry (HRK, SLL, CUC, ZWL, ANG).
// Source: ISO 4217 list one (codes cross-checked with Debian's iso-codes 4.15 iso_4217.json,
// plus XCG and ZWG introduced since). -1: no minor unit (precious metals, testing codes).

// currencyTable maps a code to its minor units.
var currencyTable = func() map[string]int {
	m := map[string]int{}
	for minor, codes := range map[int]string{
		-1: "XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX",
		0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF " +
			"XPF",
		2: "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND " +
			"BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU " +
			"CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL " +
			"GHS GIP GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IRR JMD KES " +
			"KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT " +
			"MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB " +
			"PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP " +
			"SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD " +
			"TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL",
		3: "BHD IQD JOD KWD LYD OMR TND",
		4: "CLF UYW",
	} {
		for i := 0; i+3 <= len(codes); i += 4 {
			m[codes[i:i+3]] = minor
		}
	}
	return m
}()

// currencyMinorUnits returns the number of fraction digits of a currency, and false for an
// unknown code or one without a minor unit.
func currencyMinorUnits(code string) (int, bool) {
	minor, ok := currencyTable[code]
	return minor, ok && minor >= 0
}

// knownCurrency reports whether code is in the table.
func knownCurrency(code string) bool {
	_, ok := currencyTable[code]
	return ok
}
