"""What the API shows and accepts, one module per kind of object. Read serializers never name the child: the
child's identity (ChildIdentity) has no serializer at all."""
