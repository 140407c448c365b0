using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Contracts.Nodes;
using Conjur.EventSourced.Hosting.Topology;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Mvc;

namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary><c>POST /api/promote</c>: promote a node without the preconditions, for when the master and every synchronous standby are lost.</summary>
public static class RequestForcedPromotion
{
    public static async Task<IResult> HandleAsync([FromBody] PromoteBody? body, ClusterConfig config, IClusterMembersReader reader, IQuerySession session,
        IPublishEndpoint publish, TimeProvider clock, HttpContext? http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body?.Node))
        {
            return ApiError.BadRequest("the body must name the node to promote: {\"node\": \"node3\", \"force\": true}");
        }
        if (body.Force != true)
        {
            return ApiError.BadRequest($"a forced promotion of '{body.Node}' may lose writes acknowledged by the old master that never reached it; " +
                "send \"force\": true to confirm, or use POST /api/switchover while the master is alive");
        }
        var members = await reader.ReadAsync(ct);
        if (!members.Nodes.Contains(body.Node))
        {
            return ApiError.BadRequest($"unknown node '{body.Node}': cluster '{config.ClusterId}' has {string.Join(", ", members.Nodes)}");
        }
        // A follower streams through the load balancer outside the failover set: it may lag anywhere behind and its
        // agent, seeing no leader, would promote it. An asynchronous standby (another data centre) stays allowed:
        // when the master and every synchronous standby are lost, it is what force is for.
        if (config.Nodes.FirstOrDefault(n => n.Id == body.Node)?.Role == NodeRole.Follower || members.Roles?.GetValueOrDefault(body.Node) == NodeRoles.Follower)
        {
            return ApiError.BadRequest($"'{body.Node}' is a follower: it is outside the failover set and may be any distance behind, " +
                "so it is never promoted; promote a standby (an asynchronous one if no other is left)");
        }
        if (members.Fenced?.Contains(body.Node) == true)
        {
            return ApiError.Conflict($"'{body.Node}' is fenced: a failover removed it from the members and its data may have diverged from the " +
                $"timeline since; re-enrol it first (POST /api/reenroll {{\"node\": \"{body.Node}\"}}), or promote another standby");
        }
        if (members.Master == body.Node)
        {
            return ApiError.Conflict($"'{body.Node}' is already the master");
        }
        if (await RunningFailover.FindAsync(config, session, ct) is { } running)
        {
            return ApiError.Conflict(RunningFailover.Describe(running));
        }

        var id = NewId.NextGuid();
        await publish.Publish(new ForcedPromotionRequested
        {
            FailoverId = id,
            ClusterId = config.ClusterId,
            NodeId = body.Node,
            RequestedBy = ApiError.RequestedBy(http),
            RequestedFrom = ApiError.RequestedFrom(http),
            RequestedAt = clock.GetUtcNow(),
        }, ct);
        return Results.Accepted($"/api/failovers/{id}", new { failoverId = id });
    }
}
