namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// Endpoint metadata: the kind of every route, declared where the route is mapped. The control plane
/// refuses to start with a route that declares none (<see cref="Configuration.VerifyEveryRouteDeclaresAccess"/>),
/// so a route added later cannot be open by omission.
/// </summary>
public sealed record RouteAccess(RouteKind Kind);

public static class RouteAccessConventions
{
    public static TBuilder OpenToAll<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RouteAccess(RouteKind.Open));

    public static TBuilder ForViewers<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RouteAccess(RouteKind.Read));

    public static TBuilder ForOperators<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RouteAccess(RouteKind.Mutate));

    public static TBuilder ForSessionLogin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new RouteAccess(RouteKind.Session));
}
