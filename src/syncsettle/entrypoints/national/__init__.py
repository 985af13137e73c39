"""The national medical-insurance interface as a protocol, apart from HTTP and from the use cases.

- :mod:`envelope` parses a message into a typed :class:`~envelope.Envelope` and renders the answer
  in the interface's own formats (``inf_refmsgid``, ``refmsg_time``, ``respond_time``);
- :mod:`transport` authenticates the caller (the gateway's ``x-tif-*`` signature, or a Bearer
  credential) and checks the regions the envelope names;
- :mod:`handlers` reads each ``infno``'s input into the arguments of its use case;
- :mod:`dispatch` puts them together: bytes in, ``(status, answer)`` out.
"""
