"""Event vocabulary shared by every service: topic names, the envelope, versioned contracts.

Services never import each other; whatever crosses a service boundary is declared here.
"""

from shared.events.envelope import Envelope, InvalidMessage, message_key
from shared.events.topics import Topic, TopicSpec

__all__ = ["Envelope", "InvalidMessage", "Topic", "TopicSpec", "message_key"]
