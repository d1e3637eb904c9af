class RulesError(Exception):
    """The rules folder is not valid; `where` names the file (and place) at fault."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
