using Masqd.Nat;
using Masqd.Wire;

namespace Masqd.Tests.Nat;

internal sealed class FlowActivityTests
{
    [TestCase(0, TcpState.None, 0L)]
    [TestCase(1, TcpState.Established, 123_456L)]
    [TestCase(FlowActivity.GenerationMask, TcpState.Close, FlowActivity.MaxTime)]
    public void Create_RoundTripsFields(int generation, TcpState state, long now)
    {
        long word = FlowActivity.Create(generation, state, now);

        Assert.That(FlowActivity.Generation(word), Is.EqualTo(generation));
        Assert.That(FlowActivity.State(word), Is.EqualTo(state));
        Assert.That(FlowActivity.LastSeen(word), Is.EqualTo(now));
        Assert.That(FlowActivity.IsDead(word), Is.False);
        Assert.That(FlowActivity.IsReplied(word), Is.False);
    }

    [Test]
    public void Advance_NeverMovesTimeBack()
    {
        long word = FlowActivity.Create(3, TcpState.None, 5000);

        long updated = FlowActivity.Advance(word, FlowProtocol.Udp, original: true, TcpFlags.None, 4000);

        Assert.That(FlowActivity.LastSeen(updated), Is.EqualTo(5000));
    }

    [Test]
    public void Advance_ReplySetsRepliedAndKeepsGeneration()
    {
        long word = FlowActivity.Create(7, TcpState.None, 10);

        long updated = FlowActivity.Advance(word, FlowProtocol.Udp, original: false, TcpFlags.None, 20);

        Assert.That(FlowActivity.IsReplied(updated), Is.True);
        Assert.That(FlowActivity.Generation(updated), Is.EqualTo(7));
        Assert.That(FlowActivity.LastSeen(updated), Is.EqualTo(20));
    }

    [Test]
    public void MarkDead_KeepsGeneration()
    {
        long word = FlowActivity.MarkDead(FlowActivity.Create(9, TcpState.Established, 1));

        Assert.That(FlowActivity.IsDead(word), Is.True);
        Assert.That(FlowActivity.Generation(word), Is.EqualTo(9));
    }
}
