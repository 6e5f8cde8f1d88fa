/* yaml_doc.h: being written. */
