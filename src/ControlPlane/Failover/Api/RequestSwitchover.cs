using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Hosting.Topology;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Mvc;

namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary>
/// <c>POST /api/switchover</c>: move the master to a standby without losing a write. Checked here so the
/// operator hears at once; the saga checks again when it starts, and the agents check in etcd.
/// </summary>
public static class RequestSwitchover
{
    public static async Task<IResult> HandleAsync([FromBody] SwitchoverBody? body, ClusterConfig config, IClusterMembersReader reader, IQuerySession session,
        IPublishEndpoint publish, TimeProvider clock, HttpContext? http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body?.Target))
        {
            return ApiError.BadRequest("the body must name the new master: {\"target\": \"node3\"}");
        }
        var target = body.Target;
        var members = await reader.ReadAsync(ct);
        if (!members.Nodes.Contains(target))
        {
            return ApiError.BadRequest($"unknown node '{target}': cluster '{config.ClusterId}' has {string.Join(", ", members.Nodes)}");
        }
        // Configured roles are where nodes started; after a failover the first master may be a standby. Followers
        // and asynchronous standbys never join the failover set, so those two are refused on configuration alone.
        if (config.Nodes.FirstOrDefault(n => n.Id == target) is { } node && (node.Role == NodeRole.Follower || node.Async))
        {
            return ApiError.BadRequest($"'{target}' is {(node.Async ? "an asynchronous standby" : "a follower")}: only a standby of the failover set can take over without losing writes");
        }
        if (members.Master is null)
        {
            return ApiError.Conflict("there is no healthy master to switch over from; use POST /api/promote with force for a lost master");
        }
        if (members.Master == target)
        {
            return ApiError.Conflict($"'{target}' is already the master");
        }
        if (await RunningFailover.FindAsync(config, session, ct) is { } running)
        {
            return ApiError.Conflict(RunningFailover.Describe(running));
        }

        var id = NewId.NextGuid();
        await publish.Publish(new SwitchoverRequested
        {
            FailoverId = id,
            ClusterId = config.ClusterId,
            Target = target,
            RequestedBy = ApiError.RequestedBy(http),
            RequestedFrom = ApiError.RequestedFrom(http),
            RequestedAt = clock.GetUtcNow(),
        }, ct);
        return Results.Accepted($"/api/failovers/{id}", new { failoverId = id });
    }
}
