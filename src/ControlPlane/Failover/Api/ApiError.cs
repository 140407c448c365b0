using Conjur.EventSourced.ControlPlane.Access;

namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary>The JSON every refusal of the failover API answers with, as the other endpoints do: <c>{"error": "..."}</c>.</summary>
public static class ApiError
{
    public static IResult BadRequest(string error) => Results.BadRequest(new { error });

    public static IResult Conflict(string error) => Results.Conflict(new { error });

    public static IResult Unavailable(string error) => Results.Json(new { error }, statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>The name of the credential the request carried (the access middleware checked it): never the address alone.</summary>
    public static string RequestedBy(HttpContext? http) => OperatorIdentity.Require(http).Name;

    public static string? RequestedFrom(HttpContext? http) => OperatorIdentity.Require(http).Address;
}
