/* Compiled hot loops of the case log (issue 16): the bulk writers' per-entry work and the
 * pairwise hashing of tile rows. Each function has a pure-Python twin in services.py or
 * tiles.py that gives the same bytes; the tests compare the two, and the product runs
 * without this module (qingqian.ledger.speedups picks whichever is there).
 *
 * SHA-256 comes from OpenSSL's libcrypto (the library Python's hashlib uses), through EVP
 * with the digest fetched once and one context reused for every hash of a call: Python's
 * hashlib.sha256() builds a new context each time, most of its 0.3-0.4 us per hash.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#define HASH_SIZE 32
#define MAX_ENTRY 0xFFFF
#define KIND_MAX 48

static const EVP_MD *sha256_md = NULL;

typedef struct {
    EVP_MD_CTX *ctx;
} Hasher;

static int
hasher_open(Hasher *h)
{
    h->ctx = EVP_MD_CTX_new();
    if (h->ctx == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void
hasher_close(Hasher *h)
{
    if (h->ctx != NULL) {
        EVP_MD_CTX_free(h->ctx);
        h->ctx = NULL;
    }
}

/* out = SHA-256(a || b || c); any part may be empty. */
static int
hash3(Hasher *h, const unsigned char *a, size_t na, const unsigned char *b, size_t nb,
      const unsigned char *c, size_t nc, unsigned char *out)
{
    unsigned int written = 0;
    if (EVP_DigestInit_ex(h->ctx, sha256_md, NULL) != 1
        || (na && EVP_DigestUpdate(h->ctx, a, na) != 1)
        || (nb && EVP_DigestUpdate(h->ctx, b, nb) != 1)
        || (nc && EVP_DigestUpdate(h->ctx, c, nc) != 1)
        || EVP_DigestFinal_ex(h->ctx, out, &written) != 1 || written != HASH_SIZE) {
        PyErr_SetString(PyExc_RuntimeError, "SHA-256 failed in libcrypto");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ subtree_root */

PyDoc_STRVAR(subtree_root_doc,
"subtree_root(row: bytes) -> bytes\n\n"
"The root of the perfect subtree whose bottom row is ``row`` (32 * 2**h bytes): each\n"
"level hashes 0x01 || left || right of the one below. tiles.subtree_root's twin.");

static PyObject *
subtree_root(PyObject *module, PyObject *arg)
{
    if (!PyBytes_CheckExact(arg)) {
        PyErr_SetString(PyExc_TypeError, "row must be bytes");
        return NULL;
    }
    Py_ssize_t size = PyBytes_GET_SIZE(arg);
    Py_ssize_t count = size / HASH_SIZE;
    if (size == 0 || size % HASH_SIZE || (count & (count - 1))) {
        PyErr_SetString(PyExc_ValueError, "row must hold a power of two of 32-byte hashes");
        return NULL;
    }
    if (count == 1) {
        Py_INCREF(arg);
        return arg;
    }
    unsigned char *work = PyMem_Malloc((size_t)size / 2);
    if (work == NULL) {
        return PyErr_NoMemory();
    }
    static const unsigned char node_prefix = 0x01;
    Hasher h;
    if (hasher_open(&h) < 0) {
        PyMem_Free(work);
        return NULL;
    }
    const unsigned char *below = (const unsigned char *)PyBytes_AS_STRING(arg);
    int failed = 0;
    while (count > 1) {
        for (Py_ssize_t i = 0; i < count / 2; i++) {
            if (hash3(&h, &node_prefix, 1, below + 2 * i * HASH_SIZE, 2 * HASH_SIZE, NULL, 0,
                      work + i * HASH_SIZE) < 0) {
                failed = 1;
                break;
            }
        }
        if (failed) {
            break;
        }
        below = work; /* each level is written over the first half of the one below */
        count /= 2;
    }
    hasher_close(&h);
    PyObject *root = failed ? NULL : PyBytes_FromStringAndSize((const char *)work, HASH_SIZE);
    PyMem_Free(work);
    return root;
}

/* ------------------------------------------------------------------ entry_rows */

/* services._flat_ascii: a dict whose names are ASCII strings and whose values are exactly
 * str, int, bool or None. */
static int
flat_ascii(PyObject *dict)
{
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (!PyUnicode_Check(key) || !PyUnicode_IS_ASCII(key)) {
            return 0;
        }
        if (value == Py_None || PyUnicode_CheckExact(value) || PyLong_CheckExact(value)
            || PyBool_Check(value)) {
            continue;
        }
        return 0;
    }
    return 1;
}

static PyObject *
new_blob(const char *data, Py_ssize_t size, int as_bytearray)
{
    return as_bytearray ? PyByteArray_FromStringAndSize(data, size)
                        : PyBytes_FromStringAndSize(data, size);
}

PyDoc_STRVAR(entry_rows_doc,
"entry_rows(entries, first, tail, blobs, keep_public, keep_leaf, dumps, options,\n"
"           slow, domain, leaf_prefix, salt) -> list\n\n"
"services._entry_rows's loop: per (kind, case_id, statement) the row\n"
"([index,] commitment, statement bytes, leaf hash, kind[:48], case_id, *tail), numbered\n"
"from ``first`` unless it is None. A dict with a ``salt`` member and flat ASCII shape is\n"
"encoded by ``dumps(statement, option=options)``; anything else, a TypeError from dumps\n"
"or bytes past 65,535 go to ``slow(statement)``. With ``blobs`` the three byte strings\n"
"are bytearrays. Commitments and leaf hashes are appended to the keep lists (or not, if\n"
"None).");

static PyObject *
entry_rows(PyObject *module, PyObject *args)
{
    PyObject *entries, *first, *tail, *keep_public, *keep_leaf, *dumps, *options, *slow;
    PyObject *salt;
    int blobs;
    Py_buffer domain, leaf_prefix;
    if (!PyArg_ParseTuple(args, "OOO!pOOOOOy*y*U:entry_rows", &entries, &first, &PyTuple_Type,
                          &tail, &blobs, &keep_public, &keep_leaf, &dumps, &options, &slow,
                          &domain, &leaf_prefix, &salt)) {
        return NULL;
    }
    PyObject *rows = NULL, *iterator = NULL, *index = NULL, *kwnames = NULL, *one = NULL;
    Hasher h = {NULL};
    Py_ssize_t tail_size = PyTuple_GET_SIZE(tail);
    int numbered = first != Py_None;
    int keep = keep_public != Py_None;
    if (keep && (!PyList_Check(keep_public) || !PyList_Check(keep_leaf))) {
        PyErr_SetString(PyExc_TypeError, "keep_public and keep_leaf must be lists or None");
        goto fail;
    }
    if (numbered) {
        if (!PyLong_Check(first)) {
            PyErr_SetString(PyExc_TypeError, "first must be an int or None");
            goto fail;
        }
        index = Py_NewRef(first);
        one = PyLong_FromLong(1);
        if (one == NULL) {
            goto fail;
        }
    }
    /* Interned: orjson recognises its keyword by the name's identity. */
    PyObject *option_name = PyUnicode_InternFromString("option");
    kwnames = option_name ? PyTuple_Pack(1, option_name) : NULL;
    Py_XDECREF(option_name);
    rows = PyList_New(0);
    iterator = PyObject_GetIter(entries);
    if (kwnames == NULL || rows == NULL || iterator == NULL || hasher_open(&h) < 0) {
        goto fail;
    }
    PyObject *item;
    while ((item = PyIter_Next(iterator)) != NULL) {
        PyObject *kind, *case_id, *statement, *data = NULL;
        if (!PyTuple_Check(item)) { /* a NewEntry is a tuple; take any sequence, as unpacking does */
            PyObject *fast = PySequence_Fast(item, "each entry must be (kind, case_id, statement)");
            Py_DECREF(item);
            if (fast == NULL) {
                goto fail;
            }
            item = PyList_Check(fast) ? PyList_AsTuple(fast) : Py_NewRef(fast);
            Py_DECREF(fast);
            if (item == NULL) {
                goto fail;
            }
        }
        if (PyTuple_GET_SIZE(item) != 3) {
            Py_DECREF(item);
            PyErr_SetString(PyExc_ValueError, "each entry must be (kind, case_id, statement)");
            goto fail;
        }
        kind = PyTuple_GET_ITEM(item, 0);
        case_id = PyTuple_GET_ITEM(item, 1);
        statement = PyTuple_GET_ITEM(item, 2);
        if (PyDict_CheckExact(statement)) {
            int has_salt = PyDict_Contains(statement, salt);
            if (has_salt < 0) {
                Py_DECREF(item);
                goto fail;
            }
            if (has_salt && flat_ascii(statement)) {
                PyObject *call[3] = {NULL, statement, options};
                data = PyObject_Vectorcall(dumps, call + 1,
                                           1 | PY_VECTORCALL_ARGUMENTS_OFFSET, kwnames);
                if (data == NULL) {
                    if (!PyErr_ExceptionMatches(PyExc_TypeError)) {
                        Py_DECREF(item);
                        goto fail;
                    }
                    PyErr_Clear();
                }
                else if (!PyBytes_CheckExact(data) || PyBytes_GET_SIZE(data) > MAX_ENTRY) {
                    Py_CLEAR(data);
                }
            }
        }
        if (data == NULL) {
            data = PyObject_CallOneArg(slow, statement);
            if (data == NULL) {
                Py_DECREF(item);
                goto fail;
            }
            if (!PyBytes_Check(data)) {
                Py_DECREF(data);
                Py_DECREF(item);
                PyErr_SetString(PyExc_TypeError, "slow() must return bytes");
                goto fail;
            }
        }
        unsigned char public_hash[HASH_SIZE], leaf_hash[HASH_SIZE];
        const unsigned char *raw = (const unsigned char *)PyBytes_AS_STRING(data);
        if (hash3(&h, domain.buf, (size_t)domain.len, raw, (size_t)PyBytes_GET_SIZE(data), NULL,
                  0, public_hash) < 0
            || hash3(&h, leaf_prefix.buf, (size_t)leaf_prefix.len, public_hash, HASH_SIZE, NULL, 0,
                     leaf_hash) < 0) {
            Py_DECREF(data);
            Py_DECREF(item);
            goto fail;
        }
        if (keep) {
            PyObject *p = PyBytes_FromStringAndSize((const char *)public_hash, HASH_SIZE);
            PyObject *l = PyBytes_FromStringAndSize((const char *)leaf_hash, HASH_SIZE);
            int bad = p == NULL || l == NULL || PyList_Append(keep_public, p) < 0
                      || PyList_Append(keep_leaf, l) < 0;
            Py_XDECREF(p);
            Py_XDECREF(l);
            if (bad) {
                Py_DECREF(data);
                Py_DECREF(item);
                goto fail;
            }
        }
        Py_ssize_t width = (numbered ? 6 : 5) + tail_size, at = 0;
        PyObject *row = PyTuple_New(width);
        if (row == NULL) {
            Py_DECREF(data);
            Py_DECREF(item);
            goto fail;
        }
        if (numbered) {
            PyTuple_SET_ITEM(row, at++, Py_NewRef(index));
            PyObject *next = PyNumber_Add(index, one);
            if (next == NULL) {
                Py_DECREF(row);
                Py_DECREF(data);
                Py_DECREF(item);
                goto fail;
            }
            Py_SETREF(index, next);
        }
        PyObject *public_blob = new_blob((const char *)public_hash, HASH_SIZE, blobs);
        PyObject *data_blob = blobs ? PyByteArray_FromObject(data) : Py_NewRef(data);
        PyObject *leaf_blob = new_blob((const char *)leaf_hash, HASH_SIZE, blobs);
        PyObject *short_kind = PySequence_GetSlice(kind, 0, KIND_MAX);
        Py_DECREF(data);
        /* The tuple owns whatever was made; a NULL slot fails the row below. */
        PyTuple_SET_ITEM(row, at++, public_blob);
        PyTuple_SET_ITEM(row, at++, data_blob);
        PyTuple_SET_ITEM(row, at++, leaf_blob);
        PyTuple_SET_ITEM(row, at++, short_kind);
        PyTuple_SET_ITEM(row, at++, Py_NewRef(case_id));
        Py_DECREF(item);
        if (public_blob == NULL || data_blob == NULL || leaf_blob == NULL || short_kind == NULL) {
            Py_DECREF(row);
            goto fail;
        }
        for (Py_ssize_t t = 0; t < tail_size; t++) {
            PyTuple_SET_ITEM(row, at++, Py_NewRef(PyTuple_GET_ITEM(tail, t)));
        }
        int appended = PyList_Append(rows, row);
        Py_DECREF(row);
        if (appended < 0) {
            goto fail;
        }
    }
    if (PyErr_Occurred()) { /* the iterator raised */
        goto fail;
    }
    hasher_close(&h);
    Py_DECREF(iterator);
    Py_DECREF(kwnames);
    Py_XDECREF(index);
    Py_XDECREF(one);
    PyBuffer_Release(&domain);
    PyBuffer_Release(&leaf_prefix);
    return rows;

fail:
    hasher_close(&h);
    Py_XDECREF(iterator);
    Py_XDECREF(kwnames);
    Py_XDECREF(index);
    Py_XDECREF(one);
    Py_XDECREF(rows);
    PyBuffer_Release(&domain);
    PyBuffer_Release(&leaf_prefix);
    return NULL;
}

/* ------------------------------------------------------------------ module */

static PyMethodDef methods[] = {
    {"subtree_root", subtree_root, METH_O, subtree_root_doc},
    {"entry_rows", entry_rows, METH_VARARGS, entry_rows_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_speedups",
    "Compiled hot loops of the case log (see _speedups.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
#if OPENSSL_VERSION_MAJOR >= 3
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
#else
    sha256_md = EVP_sha256();
#endif
    if (sha256_md == NULL) {
        PyErr_SetString(PyExc_ImportError, "libcrypto has no SHA-256");
        return NULL;
    }
    return PyModule_Create(&module_def);
}
