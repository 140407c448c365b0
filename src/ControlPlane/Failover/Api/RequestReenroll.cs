using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.ControlPlane.ClusterHistory;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Topology;
using MassTransit;
using Microsoft.AspNetCore.Mvc;

namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary>
/// <c>POST /api/reenroll</c>: ask a fenced or removed node to come back as a standby of the current
/// master. The request is recorded in the cluster stream before the command is sent, so the audit shows
/// every operator request; the agent's NodeReenrolled answer is recorded beside it.
/// </summary>
public static class RequestReenroll
{
    public static async Task<IResult> HandleAsync([FromBody] ReenrollBody? body, ClusterConfig config, IClusterMembersReader reader, ClusterFactRecorder recorder,
        ISendEndpointProvider sender, TimeProvider clock, HttpContext? http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body?.Node))
        {
            return ApiError.BadRequest("the body must name the node to re-enrol: {\"node\": \"node1\"}");
        }
        var members = await reader.ReadAsync(ct);
        if (!members.Nodes.Contains(body.Node))
        {
            return ApiError.BadRequest($"unknown node '{body.Node}': cluster '{config.ClusterId}' has {string.Join(", ", members.Nodes)}");
        }
        if (members.Master == body.Node)
        {
            return ApiError.Conflict($"'{body.Node}' is the master; only a fenced or removed node re-enrols");
        }

        var requestId = NewId.NextGuid();
        var requestedBy = ApiError.RequestedBy(http);
        var requestedFrom = ApiError.RequestedFrom(http);
        await recorder.RecordOnceAsync(config.ClusterId, $"reenroll-requested/{requestId}",
            new NodeReenrollRequested(requestId, body.Node, requestedBy, clock.GetUtcNow(), requestedFrom), ct);
        var endpoint = await sender.GetSendEndpoint(AgentQueues.Address(config.ClusterId, body.Node));
        await endpoint.Send(new ReenrollNode
        {
            RequestId = requestId, ClusterId = config.ClusterId, NodeId = body.Node, RequestedBy = requestedBy, RequestedFrom = requestedFrom,
        }, ct);
        return Results.Accepted($"/api/failovers", new { requestId });
    }
}
