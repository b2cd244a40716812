package dev.weft.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small router: method plus path pattern to handler, first match wins.
 *
 * <p>Patterns are split on {@code /}. A segment is literal, {@code {name}} (one segment, bound
 * as a path parameter) or, last only, {@code {name...}} (the rest of the path, possibly empty
 * or several segments). A {@code HEAD} request falls back to the {@code GET} route (the server
 * sends no content for {@code HEAD}). No route for the path answers 404; a path served for
 * other methods answers 405 with {@code allow}.
 *
 * <p>Threading: routes may be added at any time (copy-on-write) and matched concurrently.
 */
public final class Router implements Handler {
    private final List<Route> routes = new CopyOnWriteArrayList<>();

    /** @return this, with {@code GET pattern} routed to {@code handler} */
    public Router get(String pattern, Handler handler) {
        return route("GET", pattern, handler);
    }

    /** @return this, with {@code POST pattern} routed to {@code handler} */
    public Router post(String pattern, Handler handler) {
        return route("POST", pattern, handler);
    }

    /** @return this, with {@code PUT pattern} routed to {@code handler} */
    public Router put(String pattern, Handler handler) {
        return route("PUT", pattern, handler);
    }

    /** @return this, with {@code DELETE pattern} routed to {@code handler} */
    public Router delete(String pattern, Handler handler) {
        return route("DELETE", pattern, handler);
    }

    /**
     * @param method the method, any case
     * @param pattern the path pattern, starting with {@code /}
     * @param handler serves the matching requests
     * @return this
     * @throws IllegalArgumentException for a malformed pattern
     */
    public Router route(String method, String pattern, Handler handler) {
        Objects.requireNonNull(handler, "handler is null");
        routes.add(new Route(method.toUpperCase(Locale.ROOT), parse(pattern), pattern, handler));
        return this;
    }

    @Override
    public Response handle(Request request) throws Exception {
        String[] segments = split(request.path());
        Set<String> allowed = new LinkedHashSet<>();
        Route getFallback = null;
        Map<String, String> getFallbackParameters = null;
        for (Route route : routes) {
            Map<String, String> parameters = route.match(segments);
            if (parameters == null) {
                continue;
            }
            if (route.method.equals(request.method())) {
                return route.handler.handle(withParameters(request, parameters));
            }
            if (route.method.equals("GET") && request.method().equals("HEAD") && getFallback == null) {
                getFallback = route;
                getFallbackParameters = parameters;
            }
            allowed.add(route.method);
        }
        if (getFallback != null) {
            return getFallback.handler.handle(withParameters(request, getFallbackParameters));
        }
        if (!allowed.isEmpty()) {
            if (allowed.contains("GET")) {
                allowed.add("HEAD");
            }
            return Response.text(405, "method " + request.method() + " not allowed for " + request.path() + "\n")
                    .withHeader("allow", String.join(", ", allowed));
        }
        return Response.text(404, "no route for " + request.method() + " " + request.path() + "\n");
    }

    private static Request withParameters(Request request, Map<String, String> parameters) {
        if (parameters.isEmpty()) {
            return request;
        }
        Map<String, String> bound = Map.copyOf(parameters);
        return new ForwardingRequest(request) {
            @Override
            public Map<String, String> pathParameters() {
                return bound;
            }
        };
    }

    private static String[] split(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        return trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
    }

    private static List<Segment> parse(String pattern) {
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("pattern must start with '/': " + pattern);
        }
        String[] parts = split(pattern);
        List<Segment> segments = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.startsWith("{") && part.endsWith("}")) {
                String name = part.substring(1, part.length() - 1);
                boolean rest = name.endsWith("...");
                if (rest) {
                    name = name.substring(0, name.length() - 3);
                    if (i != parts.length - 1) {
                        throw new IllegalArgumentException("{" + name + "...} must be the last segment: " + pattern);
                    }
                }
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("empty parameter name in " + pattern);
                }
                segments.add(new Segment(null, name, rest));
            } else {
                segments.add(new Segment(part, null, false));
            }
        }
        return List.copyOf(segments);
    }

    private record Segment(String literal, String parameter, boolean rest) {
    }

    private record Route(String method, List<Segment> segments, String pattern, Handler handler) {
        /** @return the bound parameters, or null if the path does not match */
        Map<String, String> match(String[] path) {
            Map<String, String> parameters = null;
            for (int i = 0; i < segments.size(); i++) {
                Segment segment = segments.get(i);
                if (segment.rest) {
                    String rest = i >= path.length ? "" : String.join("/", java.util.Arrays.copyOfRange(path, i, path.length));
                    parameters = parameters == null ? new LinkedHashMap<>() : parameters;
                    parameters.put(segment.parameter, rest);
                    return parameters;
                }
                if (i >= path.length) {
                    return null;
                }
                if (segment.literal != null) {
                    if (!segment.literal.equals(path[i])) {
                        return null;
                    }
                } else {
                    if (path[i].isEmpty()) {
                        return null;
                    }
                    parameters = parameters == null ? new LinkedHashMap<>() : parameters;
                    parameters.put(segment.parameter, path[i]);
                }
            }
            if (path.length != segments.size()) {
                return null;
            }
            return parameters == null ? Map.of() : parameters;
        }
    }
}
