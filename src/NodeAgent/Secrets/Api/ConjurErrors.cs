namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>Errors as Conjur writes them: <c>{"error":{"code":"...","message":"..."}}</c>; 401 has an empty body.</summary>
public static class ConjurErrors
{
    public static IResult Unauthorized() => Results.StatusCode(StatusCodes.Status401Unauthorized);

    public static IResult Forbidden() => Error(StatusCodes.Status403Forbidden, "forbidden", "Forbidden");

    /// <summary>403 saying why, for refusals whose reason the caller may know (a policy statement it sent).</summary>
    public static IResult Forbidden(string message) => Error(StatusCodes.Status403Forbidden, "forbidden", message);

    public static IResult NotFound(string message, string? target = null, string? id = null) =>
        Results.Json(new Dictionary<string, object?>
        {
            ["error"] = new Dictionary<string, object?>
            {
                ["code"] = "not_found",
                ["message"] = message,
                ["target"] = target,
                ["details"] = id is null ? null : new Dictionary<string, string> { ["code"] = "not_found", ["target"] = "id", ["message"] = id },
            },
        }, statusCode: StatusCodes.Status404NotFound);

    public static IResult Unprocessable(string message, string code = "validation_failed", object? inner = null) =>
        Results.Json(new Dictionary<string, object?>
        {
            ["error"] = new Dictionary<string, object?> { ["code"] = code, ["message"] = message, ["innererror"] = inner },
        }, statusCode: StatusCodes.Status422UnprocessableEntity);

    public static IResult NotAcceptable(string message) => Error(StatusCodes.Status406NotAcceptable, "not_acceptable", message);

    public static IResult Conflict(string message) => Error(StatusCodes.Status409Conflict, "conflict", message);

    public static IResult Unavailable(string message) => Error(StatusCodes.Status503ServiceUnavailable, "service_unavailable", message);

    public static IResult BadGateway(string message) => Error(StatusCodes.Status502BadGateway, "bad_gateway", message);

    public static IResult Error(int status, string code, string message) =>
        Results.Json(new Dictionary<string, object> { ["error"] = new Dictionary<string, string> { ["code"] = code, ["message"] = message } }, statusCode: status);
}
