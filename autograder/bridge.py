"""What crosses between the judge kernel and the student's kernel, and how (see judge.py).

Runs inside both kernels. A side sends a message by calling ``input()`` with it as JSON: the kernel
turns that into an ``input_request`` on its stdin channel, the grader relays it to the other kernel,
and the other side's next message comes back as the ``input_reply``. While a side waits for the reply
to its call, the other side may call back (a test's loss function handed to the student's gradient
checker), to any depth: ``Side.request`` serves those calls until its own reply comes.

Values cross as tagged JSON of plain types only, never pickle or eval: None, bool, int, float, str,
bytes, tuples, lists, dicts, and NumPy arrays and scalars of a whitelisted dtype as raw bytes with a
checked shape. ``decode`` builds fresh values of exactly those types, so nothing of the student's
(no subclass, no object with methods of its own) reaches a checker. Anything else the student's side
holds (a closure, a model, a dataset) crosses as a numbered handle: the judge gets a ``Remote`` whose
calls and attribute reads are forwarded, and whose results are again plain values or handles. The
judge's side only ever hands out its callables (the functions a test passes to the student), and
serves nothing but calls to them.
"""
import base64
import builtins
import itertools
import json
import secrets
import sys
import traceback

import numpy as np

DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64"}
MAX_DIMENSIONS = 32


MISSING = object()


class GradingError(Exception):
    """Raised in a test cell when the student's side could not answer (it timed out, died, or sent
    something that is not a value)."""


class Remote:
    """A value of the other side, by handle: calls and attribute reads are forwarded to it."""
    __slots__ = ("_side", "_id", "_description", "submitted_source")

    def __init__(self, side, handle_id, description):
        self._side, self._id, self._description = side, handle_id, description
        self.submitted_source = None  # the answer cell that bound it, as handed in (checks.source_of)

    def __call__(self, *args, **kwargs):
        return self._side.call(self, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._side.request({"kind": "call", "op": "getattr", "id": self._id, "name": name})["value"]

    def __repr__(self):
        return f"<{self._description} in the student's notebook>"


class Side:
    """One end of the conversation. ``serves_names``: the student's side answers requests for the
    values its notebook defines; ``hands_out_objects``: whether values it cannot send as plain data
    may cross as handles (the student's side), or only callables passed as arguments (the judge)."""

    def __init__(self, name, namespace=None, hands_out_objects=False):
        self.name, self.namespace, self.hands_out_objects = name, namespace, hands_out_objects
        self.prefix = secrets.token_hex(4)  # handles of a restarted kernel never match old ones
        self.counter = itertools.count(1)
        self.own = {}
        self.replaced = []  # (name, the value it had or MISSING), for "restore"

    # --- the conversation ---------------------------------------------------------------------------
    def exchange(self, message):
        return json.loads(builtins.input(json.dumps(message)))

    def request(self, message):
        """Send ``message``; serve the other side's calls until the reply to it comes; return it."""
        reply = self.exchange(message)
        while reply.get("kind") == "call":
            reply = self.exchange(self.respond(reply))
        if reply.get("kind") == "error":
            raise error_from(reply)
        if reply.get("kind") != "result":
            raise GradingError(f"the grader got a malformed reply: {str(reply)[:200]}")
        return {**reply, "value": self.decode(reply.get("value"))}

    def serve(self):
        """The student's side, while the judge runs a cell: answer its calls until it says "end"."""
        reply = self.exchange({"kind": "ready"})
        while reply.get("kind") == "call":
            reply = self.exchange(self.respond(reply))

    def call(self, remote, args, kwargs):
        reply = self.request({"kind": "call", "op": "call", "id": remote._id,
                              "args": self.encode(list(args)), "kwargs": self.encode(kwargs)})
        write_back(list(args), self.decode(reply.get("args")))
        write_back(kwargs, self.decode(reply.get("kwargs")))
        return reply["value"]

    def fetch(self, name):
        """The value the other side's notebook binds to ``name`` (NameError when it binds none)."""
        return self.request({"kind": "call", "op": "get", "name": name})["value"]

    def respond(self, message):
        try:
            op = message.get("op")
            if op == "get" and self.namespace is not None:
                if message["name"] not in self.namespace:
                    raise NameError(f"name {message['name']!r} is not defined")
                return {"kind": "result", "value": self.encode(self.namespace[message["name"]])}
            if op == "set" and self.namespace is not None:  # a test watching what the student's code calls
                name = str(message["name"])
                self.replaced.append((name, self.namespace.get(name, MISSING)))
                self.namespace[name] = self.decode(message["value"])
                return {"kind": "result", "value": None}
            if op == "restore" and self.namespace is not None:
                while self.replaced:
                    name, value = self.replaced.pop()
                    if value is MISSING:
                        self.namespace.pop(name, None)
                    else:
                        self.namespace[name] = value
                return {"kind": "result", "value": None}
            target = self.own[message["id"]]
            if op == "getattr" and self.hands_out_objects:
                return {"kind": "result", "value": self.encode(getattr(target, message["name"]))}
            if op == "call":
                args, kwargs = self.decode(message["args"]), self.decode(message["kwargs"])
                value = target(*args, **kwargs)
                return {"kind": "result", "value": self.encode(value),
                        "args": self.encode(args), "kwargs": self.encode(kwargs)}
            raise GradingError(f"this side does not serve {op!r}")
        except (Exception, SystemExit) as error:
            return {"kind": "error", "ename": type(error).__name__, "evalue": str(error)[:5000],
                    "traceback": "".join(traceback.format_exception(error)[-3:])[-3000:]}

    # --- values -------------------------------------------------------------------------------------
    def encode(self, value):
        if value is None or type(value) in (bool, str):
            return value
        if isinstance(value, (np.ndarray, np.generic)) and np.asarray(value).dtype.name in DTYPES:
            array = np.asarray(value, dtype=np.asarray(value).dtype.name)  # native byte order; tobytes is C order
            return {"t": "array" if isinstance(value, np.ndarray) else "scalar", "dtype": array.dtype.name,
                    "shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode()}
        if isinstance(value, (int, float)) and not isinstance(value, np.generic):
            return int(value) if isinstance(value, int) else float(value)
        if isinstance(value, np.str_):
            return {"t": "np.str_", "text": str(value)}
        if isinstance(value, np.ndarray) and value.dtype.kind == "U":  # a vocabulary, a batch of texts
            return {"t": "strings", "shape": list(value.shape), "items": [str(item) for item in value.ravel()]}
        if isinstance(value, bytes):
            return {"t": "bytes", "data": base64.b64encode(bytes(value)).decode()}
        if isinstance(value, tuple(CONTAINERS.values())):  # a subclass (a named tuple) crosses as its base
            return {"t": next(tag for tag, kind in CONTAINERS.items() if isinstance(value, kind)),
                    "items": [self.encode(item) for item in value]}
        if isinstance(value, dict):
            return {"t": "dict", "items": [[self.encode(key), self.encode(item)] for key, item in value.items()]}
        if _is_keras_model(value):
            return {"t": "keras", "config": value.to_json(),
                    "compile": value.get_compile_config() if value.compiled else None,
                    "weights": [self.encode(np.asarray(weight)) for weight in value.get_weights()]}
        if isinstance(value, np.random.Generator) and type(value.bit_generator).__name__ in BIT_GENERATORS:
            return {"t": "rng", "state": self.encode(value.bit_generator.state)}
        if not self.hands_out_objects and type(value).__module__ == "__main__" and not callable(value):
            # An instance of a class the lesson's own cells define (the mini-batches a test hands to the
            # student's training loop): it crosses as its class's name and its attributes; the other
            # side rebuilds it with its own class of that name.
            return {"t": "instance", "class": type(value).__name__, "state": self.encode(vars(value))}
        if _is_tensor(value):
            return self.encode(np.asarray(value))
        if isinstance(value, Remote) and value._side is self:
            return {"t": "handle", "side": "other", "id": value._id, "description": value._description}
        if self.hands_out_objects or callable(value):
            handle_id = f"{self.prefix}:{next(self.counter)}"
            self.own[handle_id] = value
            description = f"{'function' if callable(value) else 'object'} {getattr(value, '__qualname__', type(value).__name__)}"
            return {"t": "handle", "side": "mine", "id": handle_id, "description": description[:200]}
        raise TypeError(f"a value of type {type(value).__name__} cannot be sent to the student's code")

    def decode(self, data):
        if data is None or type(data) in (bool, int, float, str):
            return data
        if type(data) is not dict:
            raise GradingError(f"not a value: {str(data)[:100]}")
        tag = data.get("t")
        if tag in ("array", "scalar"):
            return decode_array(data, scalar=tag == "scalar")
        if tag == "bytes":
            return base64.b64decode(data["data"], validate=True)
        if tag == "np.str_":
            return np.str_(_text(data["text"]))
        if tag == "strings":
            items, shape = [_text(item) for item in _list(data["items"])], _shape(data["shape"])
            if len(items) != int(np.prod(shape, dtype=np.int64)):
                raise GradingError(f"an array of shape {tuple(shape)} with {len(items)} texts")
            return np.array(items, dtype=str).reshape(shape)
        if tag in CONTAINERS:
            items = [self.decode(item) for item in _list(data["items"])]
            if tag in ("set", "frozenset"):
                items = [_key(item) for item in items]
            return CONTAINERS[tag](items)
        if tag == "dict":
            return {_key(self.decode(key)): self.decode(item) for key, item in map(_pair, _list(data["items"]))}
        if tag == "keras":
            return rebuild_keras_model(data["config"], data.get("compile"),
                                       [self.decode(weight) for weight in _list(data["weights"])])
        if tag == "rng":
            return rebuild_generator(self.decode(data["state"]))
        if tag == "instance" and self.namespace is not None:
            return self.rebuild_instance(str(data["class"]), self.decode(data["state"]))
        if tag == "handle":
            if data["side"] == "other":  # one of ours, coming back
                if data["id"] not in self.own:
                    raise GradingError("an unknown handle")
                return self.own[data["id"]]
            return Remote(self, str(data["id"]), str(data.get("description", "value"))[:200])
        raise GradingError(f"not a value: {str(data)[:100]}")

    def rebuild_instance(self, class_name, state):
        cls = self.namespace.get(class_name)
        if not isinstance(cls, type) or type(state) is not dict or not all(type(key) is str for key in state):
            raise GradingError(f"the tests hand your code a {class_name}, and your notebook does not define that class "
                               f"(run the lesson's cell that defines it, and do not rename it)")
        instance = cls.__new__(cls)
        vars(instance).update(state)
        return instance


CONTAINERS = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}
BIT_GENERATORS = {"PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"}


def rebuild_generator(state):
    if type(state) is not dict or state.get("bit_generator") not in BIT_GENERATORS:
        raise GradingError("a random generator that is not one of NumPy's")
    generator = np.random.Generator(getattr(np.random, state["bit_generator"])())
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as error:
        raise GradingError(f"a random generator with an invalid state: {error}") from None
    return generator


def _text(item):
    return _of_type(str, item, "a text")


def _shape(shape):
    if (type(shape) is not list or len(shape) > MAX_DIMENSIONS
            or not all(type(size) is int and size >= 0 for size in shape)):
        raise GradingError(f"an array with an invalid shape: {str(shape)[:100]}")
    return shape


def decode_array(data, scalar):
    dtype, shape = data.get("dtype"), data.get("shape")
    if dtype not in DTYPES:
        raise GradingError(f"arrays of dtype {dtype!r} cannot be graded (use one of {', '.join(sorted(DTYPES))})")
    if _shape(shape) and scalar:
        raise GradingError(f"a scalar with a shape: {str(shape)[:100]}")
    raw = base64.b64decode(data["data"], validate=True)
    if len(raw) != int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize:
        raise GradingError(f"an array of shape {tuple(shape)} and dtype {dtype} with {len(raw)} bytes")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    return array[()] if scalar else array


def _is_keras_model(value):
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def _is_tensor(value):
    return type(value).__module__.split(".")[0] in ("tensorflow", "keras") and hasattr(value, "__array__") \
        and not callable(value)


def rebuild_keras_model(config, compile_config, weights):
    """A Keras model from its architecture (JSON), its compile settings (optimizer, loss, metrics; not
    the optimizer's state) and its weights, in safe mode: no Lambda layer, custom loss or other code of
    the student's is deserialised, only Keras' own objects."""
    import keras

    if (type(config) is not str or not all(isinstance(weight, np.ndarray) for weight in weights)
            or not (compile_config is None or type(compile_config) is dict)):
        raise GradingError("a Keras model that is not an architecture and its weights")
    try:
        model = keras.saving.deserialize_keras_object(json.loads(config), safe_mode=True)
        model.set_weights(weights)
        if compile_config is not None:
            model.compile_from_config(compile_config)  # deserialises in safe mode too (Keras' default)
    except Exception as error:
        raise GradingError(f"the grader could not rebuild your Keras model from its configuration and weights "
                           f"(only Keras' own layers, losses, metrics and optimizers can be graded): {type(error).__name__}: {error}") from None
    return model


def _list(items):
    return _of_type(list, items, "a list of items")


def _of_type(kind, value, what):
    if type(value) is not kind:
        raise GradingError(f"not {what}")
    return value


def _pair(item):
    if type(item) is not list or len(item) != 2:
        raise GradingError("not a key and a value")
    return item


def _key(key):
    if type(key) in (list, dict) or isinstance(key, np.ndarray):
        raise GradingError("an unhashable dict key")
    return key


def write_back(originals, changed):
    """Make in-place changes the other side made to arguments visible here, as they would be in one
    process: arrays are overwritten, lists and dicts updated (a gradient checker nudges x in place)."""
    if _is_keras_model(originals) and _is_keras_model(changed):  # trained by the other side
        if [weight.shape for weight in originals.weights] == [weight.shape for weight in changed.weights]:
            originals.set_weights(changed.get_weights())
    elif isinstance(originals, np.ndarray) and isinstance(changed, np.ndarray):
        if originals.shape == changed.shape and originals.flags.writeable and not np.array_equal(originals, changed, equal_nan=True):
            np.copyto(originals, changed, casting="unsafe")
    elif type(originals) is list and type(changed) is list:
        for index, item in enumerate(changed[:len(originals)]):
            if not _updated_in_place(originals[index], item):
                originals[index] = item
        del originals[len(changed):]
        originals.extend(changed[len(originals):])
    elif type(originals) is dict and type(changed) is dict:
        for key in [key for key in originals if key not in changed]:
            del originals[key]
        for key, item in changed.items():
            if key not in originals or not _updated_in_place(originals[key], item):
                originals[key] = item


def _updated_in_place(original, changed):
    """Write ``changed`` into ``original`` when both are the same kind of container; False when the
    caller must rebind instead."""
    if (isinstance(original, np.ndarray) and isinstance(changed, np.ndarray) and original.shape == changed.shape
            and original.dtype == changed.dtype) or (_is_keras_model(original) and _is_keras_model(changed)):
        write_back(original, changed)
        return True
    if type(original) is type(changed) and type(original) in (list, dict):
        write_back(original, changed)
        return True
    return original is changed or (type(original) is type(changed) and type(original) in (int, float, str, bool, type(None))
                                   and original == changed)


BUILTIN_ERRORS = {name for name, value in vars(builtins).items()
                  if isinstance(value, type) and issubclass(value, Exception)}


def error_from(reply):
    """The exception the other side's code raised, rebuilt as a builtin exception of the same name
    (a test may expect a ValueError) or a GradingError naming it; nothing of the other side's crosses."""
    name, message = str(reply.get("ename", "Error"))[:100], str(reply.get("evalue", ""))[:5000]
    if name == "GradingError":
        return GradingError(message)
    if name in BUILTIN_ERRORS and name not in ("SystemExit", "KeyboardInterrupt"):
        return getattr(builtins, name)(message)
    return GradingError(f"{name}: {message}")


_student = None


def serve():
    """Entry point of the student's kernel (see judge.py)."""
    global _student
    if _student is None:
        from IPython import get_ipython

        _student = Side("student", namespace=get_ipython().user_ns, hands_out_objects=True)
    _student.serve()


judge = Side("judge")


class StudentNotebook:
    """In the judge kernel, ``emolib.checks.student_notebook``: a test's ``checks.replaced`` block binds
    names in the student's kernel too, to the judge's values (its callables cross as handles, so the
    student's training loop calls the test's wrapper), and then restores the student's own."""

    def replace(self, values):
        for name, value in values.items():
            judge.request({"kind": "call", "op": "set", "name": name, "value": judge.encode(value)})

    def restore(self):
        judge.request({"kind": "call", "op": "restore"})


def bind(namespace, names, source):
    """In the judge kernel: bind ``names`` to what the student's notebook binds them to now;
    ``source`` is the answer cell that binds them, as handed in."""
    from emolib import checks

    checks.student_notebook = StudentNotebook()
    for name in names:
        namespace.pop(name, None)
        try:
            namespace[name] = judge.fetch(name)
        except NameError:
            continue
        if isinstance(namespace[name], Remote):
            namespace[name].submitted_source = source
