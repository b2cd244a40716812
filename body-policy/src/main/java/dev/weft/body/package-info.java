/**
 * Request bodies parsed as forms under a {@link dev.weft.api.BodyPolicy} (seed 001).
 *
 * <ul>
 *   <li>{@link dev.weft.body.FormParser}: query string, {@code multipart/form-data} (streamed
 *       through commons-fileupload2's item iterator, no servlets),
 *       {@code application/x-www-form-urlencoded}, cookies; quotas enforced while streaming.
 *   <li>{@link dev.weft.body.Input}: a value in memory or in a temp file, with file name and
 *       content type; {@link dev.weft.body.FormData} holds them in lookup order.
 *   <li>{@link dev.weft.body.Lookup}: lookups that accumulate every error
 *       ({@link dev.weft.body.Result}, {@link dev.weft.body.FieldError}).
 *   <li>{@link dev.weft.body.TempDirectory}: the server's private temp directory, swept of
 *       crashed runs at start-up.
 *   <li>{@link dev.weft.body.UploadSummaryHandler}: the demo {@code POST /upload} route.
 * </ul>
 *
 * <p><b>Bodies are taken, not held</b> ({@link dev.weft.api.Request#takeBody()}): parsing takes
 * the body, so a router that falls through after a form was parsed finds no body. That is the
 * seed's trade-off, chosen so that no request keeps a consumed body alive; a router that must
 * fall through checks {@link dev.weft.api.Request#hasBody()} and puts an untouched body back.
 *
 * <p><b>Known issues</b>
 * <ul>
 *   <li>Multipart throughput is bounded by commons-fileupload2 2.0.0-M5's byte-at-a-time
 *       boundary search: about 250 MiB/s per core once the JIT has compiled it, far less cold
 *       (a first 1 GiB part took ~14 s on a loaded 2-core machine); SHA-256 adds ~15 %.
 *   <li>Temp files in a per-route directory ({@code BodyPolicy.tempDirectory()}) are deleted with
 *       their exchange but not swept at start-up: only the server's own directory is.
 *   <li>Field values are decoded as UTF-8; a part's {@code charset} parameter and
 *       {@code _charset_} fields are not honoured.
 * </ul>
 */
package dev.weft.body;
