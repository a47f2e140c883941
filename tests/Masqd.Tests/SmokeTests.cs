namespace Masqd.Tests;

public class SmokeTests
{
    [Test]
    public void Builds() => Assert.That(1, Is.EqualTo(1));
}
