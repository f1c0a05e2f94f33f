import Hummingbird

/// The dashboard of `revisit serve` at `/`: one page, its script and style, an icon, and
/// Chart.js from the server's disk (``ChartLibrary``). Everything is embedded in the
/// executable or read from Debian's package: nothing comes from a CDN.
///
/// These hold no data and need no token: what the page shows comes from the API, which the
/// page asks with the token it was given (``DashboardPage``).
public enum DashboardRoutes {
    /// What the page may load: only this server's own scripts, styles and API.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// Adds the page and its assets to `router`; `asksForToken`: the API needs a token, which
    /// the page then asks for.
    public static func add<Context: RequestContext>(to router: Router<Context>, chartLibrary: ChartLibrary, asksForToken: Bool = false) {
        let page = DashboardPage.html(asksForToken: asksForToken)
        router.get("/") { _, _ -> Response in
            var response = asset(page, type: "text/html; charset=utf-8")
            response.headers[.contentSecurityPolicy] = contentSecurityPolicy
            // A token typed into the page must not leave in a Referer.
            response.headers[.init("Referrer-Policy")!] = "no-referrer"
            return response
        }
        router.get("/assets/dashboard.js") { _, _ in asset(DashboardScript.javascript, type: "text/javascript; charset=utf-8") }
        router.get("/assets/dashboard.css") { _, _ in asset(DashboardStyle.css, type: "text/css; charset=utf-8") }
        router.get("/assets/icon.svg") { _, _ in asset(DashboardStyle.icon, type: "image/svg+xml") }
        router.get("/assets/chart.min.js") { _, _ -> Response in
            guard let script = chartLibrary.script else {
                throw APIError(.notFound, chartLibrary.problem ?? "Chart.js is not available")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=86400"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: script)))
        }
    }

    private static func asset(_ text: String, type: String) -> Response {
        // Revalidated on each load: a newer server's page must not run with an older script.
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
