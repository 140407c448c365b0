namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary>The JSON every refusal of the failover API answers with, as the other endpoints do: <c>{"error": "..."}</c>.</summary>
public static class ApiError
{
    public static IResult BadRequest(string error) => Results.BadRequest(new { error });

    public static IResult Conflict(string error) => Results.Conflict(new { error });

    public static IResult Unavailable(string error) => Results.Json(new { error }, statusCode: StatusCodes.Status503ServiceUnavailable);

    public static string RequestedBy(HttpContext? http) => $"operator@{http?.Connection.RemoteIpAddress?.ToString() ?? "api"}";
}
